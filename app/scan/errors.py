"""The scan layer's errors: each says in one line which file and page cannot be read, and why."""

from __future__ import annotations


class ScanError(Exception):
    """A scanned file or page that cannot be read; the message is one line for the user."""
