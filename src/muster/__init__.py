"""Muster: incident response for small teams. Roles named before anything breaks, one timeline."""

__version__ = "0.1.0"
