"""Ejaculatory Disorder Workup: a clinician's workup recorder for ejaculatory complaints."""

__version__ = "0.1.0"
