"""The engine's own errors and warning, in one place every module can import from."""

__all__ = ["AnomalyError", "DomainError", "GraphgradWarning"]


class AnomalyError(FloatingPointError):
    """Raised by detect_anomaly() at the first node whose value or gradient is nan/inf."""


class DomainError(ValueError):
    """A scalar primitive received an input outside its domain (log of 0, 1/0, ...)."""


class GraphgradWarning(RuntimeWarning):
    """An array primitive received inputs outside its domain and produced nan/inf."""
