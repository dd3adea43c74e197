"""CI/CD helpers: render diff, smoke test, release (run as `python -m scripts.<name>`)."""
