"""greenlight reference service: a small Flask app that behaves well on Kubernetes."""

__all__ = ["__version__"]

__version__ = "0.1.0"
