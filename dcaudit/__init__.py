"""dcaudit: audit public-service websites for digital co-production and digital exclusion."""

__version__ = "0.1.0"

__all__ = ["__version__"]
