"""Summaries made without a window: one encounter's PDF read as directly as is safe, and
batch exports over several processes."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from app.config import (
    Settings,
    resolve_database_url,
)
from app.services.errors import ServiceError, UnavailableError, _translated
from app.services.maintenance import Clock, _check_record, _utc_now
from app.services.workflows import _snapshot_workflow
from app.services.workups import WorkupService, _summary_pdf
from app.storage.filecheck import checked_at_if_unchanged, plain_sqlite_path
from app.storage.urls import hide_secrets as hide_secrets
from app.storage.urls import shown_url as shown_url

if TYPE_CHECKING:
    from app.storage.backup import BackupInfo as BackupInfo


def _directly_readable(url: str) -> Path | None:
    """The file of a SQLite `url` when an encounter may be read from it without opening the
    database normally: the file exists, may be written (as opening requires), and nothing
    has written it since it last passed its full check (see `open_database`)."""
    path = plain_sqlite_path(url)
    if path is None:
        return None
    path = path.expanduser().absolute()
    if not path.is_file():
        return None
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return None
    if checked_at_if_unchanged(path, _check_record(path)) is None:
        return None
    return path


@_translated
def export_summary_pdf(
    settings: Settings,
    database_url: str | None,
    encounter_id: int,
    language: str | None = None,
    paper: str | None = None,
    *,
    clock: Clock | None = None,
    patient_copy: bool = False,
    instructions: bool = True,
) -> bytes:
    """The PDF summary of one encounter, the same as `WorkupService.summary_pdf` makes.

    A local SQLite file that is exactly as it was when it last passed its full check is
    read directly (without SQLAlchemy, see app.storage.sqlite_read). Any other database,
    or a file the direct reader cannot be sure of, is opened as `WorkupService.open` does,
    which reports what is wrong with it.
    """
    url = resolve_database_url(database_url, settings)
    path = _directly_readable(url)
    if path is not None:
        from app.storage.sqlite_read import DirectReadError, read_encounter

        try:
            encounter, workflow = read_encounter(
                path, encounter_id, functools.partial(_snapshot_workflow, None)
            )
        except DirectReadError:
            pass
        else:
            now: Clock = clock or _utc_now
            return _summary_pdf(
                settings,
                now,
                encounter,
                workflow,
                language,
                paper,
                patient_copy=patient_copy,
                instructions=instructions,
            )
    service = WorkupService.open(settings, url, clock=clock)
    try:
        return service.summary_pdf(
            encounter_id, language, paper, patient_copy=patient_copy, instructions=instructions
        )
    finally:
        service.close()


def batch_pdf_name(encounter_id: int) -> str:
    """The file name of an encounter's summary in a batch export (the CLI's and the GUI's)."""
    return f"encounter-{encounter_id}.pdf"


def batch_jobs() -> int:
    """How many processes a batch export uses by default: one per core, at most four."""
    return max(1, min(os.cpu_count() or 1, 4))


class BatchItem(NamedTuple):
    """One summary of a batch export: the file written, or why it was not."""

    encounter_id: int
    path: Path
    error: str | None = None


class _BatchWorker:
    """The service a batch export process opened for itself (one per process)."""

    service: WorkupService | None = None


def _batch_worker_start(settings: Settings, database_url: str) -> None:
    import signal

    # Ctrl+C and SIGTERM go to the whole process group; the parent decides: no summary is
    # started after them and the ones being written are finished (no partial file).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _BatchWorker.service = WorkupService.open(settings, database_url, auto_upgrade=False)


def _batch_worker_export(
    encounter_id: int, folder: Path, language: str | None, paper: str | None
) -> BatchItem:
    service = _BatchWorker.service
    assert service is not None
    return _export_one(service, encounter_id, folder, language, paper)


def _export_one(
    service: WorkupService,
    encounter_id: int,
    folder: Path,
    language: str | None,
    paper: str | None,
) -> BatchItem:
    path = folder / batch_pdf_name(encounter_id)
    try:
        service.write_pdf(path, service.summary_pdf(encounter_id, language, paper))
    except ServiceError as error:
        return BatchItem(encounter_id, path, str(error) or type(error).__name__)
    return BatchItem(encounter_id, path)


def export_summaries(
    service: WorkupService,
    encounter_ids: list[int],
    folder: Path,
    language: str | None = None,
    paper: str | None = None,
    *,
    jobs: int = 1,
    done: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Write the summary PDF of each encounter into `folder` as `batch_pdf_name(id)`.

    With `jobs` above 1 the PDFs are made by that many worker processes, each opening the
    service's database itself. `done` is called in this process after each file, in the
    order they finish. Every file is written atomically; when `done` or the caller is
    interrupted (KeyboardInterrupt), no further summary is started, the ones being written
    are finished, and the interruption is raised again: only complete files remain.
    """
    report = done or (lambda _item: None)
    results: list[BatchItem] = []
    if jobs <= 1 or len(encounter_ids) < 2:
        for encounter_id in encounter_ids:
            item = _export_one(service, encounter_id, folder, language, paper)
            results.append(item)
            report(item)
        return results
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    executor = ProcessPoolExecutor(
        max_workers=min(jobs, len(encounter_ids)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_batch_worker_start,
        initargs=(service.settings, service.database.url),
    )
    pending: set[Future[BatchItem]] = set()
    queue = iter(encounter_ids)
    try:
        for encounter_id in queue:
            pending.add(
                executor.submit(_batch_worker_export, encounter_id, folder, language, paper)
            )
            if len(pending) >= 2 * jobs:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                try:
                    item = future.result()
                except BrokenProcessPool as error:
                    raise UnavailableError(
                        "a batch export process stopped unexpectedly; no file was left half-written"
                    ) from error
                results.append(item)
                report(item)
                next_id = next(queue, None)
                if next_id is not None:
                    pending.add(
                        executor.submit(_batch_worker_export, next_id, folder, language, paper)
                    )
    except BaseException:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    return results


def batch_since(day: date) -> datetime:
    """The moment a batch export's "changed since DAY" starts: midnight UTC of `day`."""
    return datetime.combine(day, datetime.min.time(), UTC)
