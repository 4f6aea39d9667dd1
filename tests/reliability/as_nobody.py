"""Run one `workup` command as the unprivileged user 'nobody': `python -m ... ARG...`.

Tests run as root in containers, where file modes are not enforced; dropping to 'nobody'
makes a read-only file or folder really read-only. Everything the command may import is
imported first, since the interpreter's own files may not be readable by 'nobody'.
"""

from __future__ import annotations

import logging.handlers  # noqa: F401  # imported before dropping privileges
import os
import socket  # noqa: F401
import sys
import tempfile  # noqa: F401
import tomllib  # noqa: F401
import traceback  # noqa: F401

import platformdirs  # noqa: F401
import sqlalchemy.dialects.sqlite.pysqlite  # noqa: F401

import app.catalog.cache
import app.catalog.loader
import app.interop
import app.report
import app.storage.migrate  # noqa: F401
from app.cli import run

NOBODY = 65534


def main(argv: list[str]) -> int:
    """Drop to 'nobody', then run the command."""
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)
    return run(argv, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
