"""greenlight's ComponentResources and the typed settings they take."""
