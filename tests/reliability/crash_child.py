"""The child side of the crash-survival test: edits through the real service, one ack each.

`python -m tests.reliability.crash_child URL ENCOUNTER_ID` imports the service layer once,
then serves commands read from stdin:

* ``RUN <run> <seed>`` forks an editor process and prints ``PID <run> <pid>``; the editor
  opens WorkupService on URL, prints ``OPEN <run>``, then makes edits until it is killed,
  printing ``TRY <run> <n> <item> <value>`` before and ``ACK <run> <n> <item> <value>``
  after each call returns. When the editor has ended, ``DONE <run> <status>`` follows.
* ``QUIT`` ends the server.

Forking from a process that has already imported everything keeps each run to a few tens
of milliseconds (a fresh interpreter needs about a second to import SQLAlchemy); the server
opens no database itself, so the editor starts with no inherited connection.
`--direct URL ENCOUNTER_ID RUN SEED` runs one editor in this very process instead, for the
runs that check a freshly started interpreter behaves the same.
"""

from __future__ import annotations

import os
import random
import sys

from sqlalchemy.orm import configure_mappers

from app.catalog.loader import Catalog
from app.config import Settings
from app.domain.encounter import OrderState, OrderStatus
from app.services import WorkupService, load_catalog
from app.storage import models  # noqa: F401  # the mapped classes, for configure_mappers

ANSWER_ITEMS = ("visit_main_complaint", "hx_med_list", "sx_notes", "note_clinician")
ORDER_ITEMS = ("lab_cbc", "lab_psa", "sa_order", "peu_order")
ITEMS = ANSWER_ITEMS + ORDER_ITEMS
MAX_EDITS = 5000
ACTOR = "crash-test"


def _say(line: str) -> None:
    """One line to stdout, unbuffered: a single write(2) of less than PIPE_BUF is atomic."""
    os.write(1, (line + "\n").encode("ascii"))


def edit_value(run: int, number: int) -> str:
    """A value unique to one edit (the trailing x keeps r1e5x from matching r1e50x)."""
    return f"r{run}e{number}x"


def edit(url: str, encounter_id: int, run: int, seed: int, catalog: Catalog) -> None:
    """Open the service and edit until killed (or MAX_EDITS), acknowledging each edit."""
    service = WorkupService.open(Settings(), url, catalog=catalog)
    _say(f"OPEN {run}")
    chooser = random.Random(seed)
    for number in range(MAX_EDITS):
        item = chooser.choice(ITEMS)
        value = edit_value(run, number)
        _say(f"TRY {run} {number} {item} {value}")
        if item in ORDER_ITEMS:
            service.set_order(
                encounter_id, item, OrderState(OrderStatus.ORDERED, note=value), ACTOR
            )
        else:
            service.set_answer(encounter_id, item, value, ACTOR)
        _say(f"ACK {run} {number} {item} {value}")
    service.close()


def serve(url: str, encounter_id: int) -> None:
    """Fork one editor per RUN command and report how it ended."""
    catalog = load_catalog(Settings())
    # Set up the ORM mappings once here rather than in every editor (it opens no database).
    configure_mappers()
    _say("SERVING")
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "QUIT":
            return
        run, seed = int(words[1]), int(words[2])
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                edit(url, encounter_id, run, seed, catalog)
            except BaseException as error:  # report any failure to the test, then leave
                _say(f"ERROR {run} {type(error).__name__}: {' '.join(str(error).split())}")
                status = 1
            os._exit(status)
        _say(f"PID {run} {pid}")
        _pid, status = os.waitpid(pid, 0)
        _say(f"DONE {run} {status}")


def main(argv: list[str]) -> None:
    """Entry point: serve, or run one editor directly with --direct."""
    if argv[0] == "--direct":
        url, encounter_id, run, seed = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
        _say(f"PID {run} {os.getpid()}")
        edit(url, encounter_id, run, seed, load_catalog(Settings()))
        return
    serve(argv[0], int(argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
