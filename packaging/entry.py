"""The bundle's entry point: the `workup` command, as the console script runs it."""

import locale
import os

# A bundle started with no locale (a bare environment, some service managers) gets the
# UTF-8 "C" locale that Python itself would coerce to; Qt would otherwise warn and switch.
if "UTF-8" not in (locale.setlocale(locale.LC_CTYPE, "") or "").upper().replace("UTF8", "UTF-8"):
    os.environ["LC_CTYPE"] = "C.UTF-8"

from app.__main__ import main

main()
