"""The cyclic garbage collector, held back while the `workup` command starts.

Loading SQLAlchemy, the ORM mapping, Qt and the application's modules allocates hundreds
of thousands of objects and frees almost none, so the collections that the allocations
trigger find nothing to collect; they cost a tenth of the start-up time. The collector
is paused from the first line of the console script until the command is about to run
(or, for the window, until it is shown); what start-up built is then frozen, so that
later collections do not walk it again, and collections resume as usual.
"""

from __future__ import annotations

import gc

_paused = False


def pause_collector() -> None:
    """Stop cyclic garbage collection until `resume_collector` (no-op if already off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collector() -> None:
    """Freeze what exists now and collect again; only undoes `pause_collector`."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
