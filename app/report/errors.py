"""Exceptions of the report layer."""

from __future__ import annotations


class ReportError(Exception):
    """Base of every error the report layer raises."""


class ReportWriteError(ReportError):
    """A finished PDF could not be written to its destination."""
