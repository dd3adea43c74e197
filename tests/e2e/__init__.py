"""End-to-end: the rendered alerting config on real prometheus and Alertmanager processes."""
