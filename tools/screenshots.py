"""Save PNG screenshots of every screen and dialog, on a temporary database with sample data.

Usage: python tools/screenshots.py OUTDIR [en|ru]   (QT_SCALE_FACTOR=1.5 for the scaled check)
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from app.config import Settings
from app.domain.encounter import OrderState, OrderStatus
from app.domain.values import YnuDetails
from app.gui.application import create_application
from app.gui.autosave import AutoSaver
from app.gui.dialogs import ExportPdfDialog
from app.gui.i18n import set_language
from app.gui.main_window import MainWindow
from app.services import UnavailableError, WorkupService, backup_database

WORKFLOW_ID = "retrograde_ejaculation"
SAMPLE_PATIENTS = (
    ("Ivanov", "Pavel", date(1986, 3, 14), "A-10234"),
    ("Smith", "John", date(1979, 11, 2), "A-10235"),
    ("Kowalski", "Marek", date(1991, 6, 27), "A-10236"),
    ("Petrov", "Sergei", date(1983, 1, 9), "A-10237"),
    ("Garcia", "Luis", date(1975, 8, 30), "A-10238"),
)


def _settle() -> None:
    # The autosaver stores on a worker thread: wait for it, then deliver its reports.
    for top in QApplication.topLevelWidgets():
        for saver in top.findChildren(AutoSaver):
            saver.wait_idle()
    for _ in range(5):
        QCoreApplication.processEvents()


def _save(widget: QWidget, folder: Path, name: str) -> None:
    _settle()
    widget.grab().save(str(folder / f"{name}.png"))
    print(folder / f"{name}.png")


def _sample(service: WorkupService) -> tuple[int, int]:
    """A draft with answers and orders, and a finalized encounter; returns their ids."""
    ids: list[int] = []
    for family, given, born, chart in SAMPLE_PATIENTS:
        patient = service.create_patient(family, given, born, chart)
        assert patient.id is not None
        encounter = service.start_encounter(patient.id, WORKFLOW_ID, "Dr. Anna Volkova")
        assert encounter.id is not None
        ids.append(encounter.id)
    draft, signed = ids[0], ids[1]
    actor = "Dr. Anna Volkova"
    answers: dict[str, object] = {
        "visit_main_complaint": "Very little fluid at orgasm for about a year.",
        "hx_sx_low_volume": "yes",
        "hx_sx_dry_orgasm": "no",
        "hx_sx_cloudy_urine": "unknown",
        "hx_sx_volume_estimate": Decimal("0.5"),
        "hx_sx_semen_leakage": "yes",
        "hx_sx_urinary": YnuDetails("yes", "weak stream at night"),
    }
    for item_id, value in answers.items():
        service.set_answer(draft, item_id, value, actor)  # type: ignore[arg-type]
    today = service.today()
    service.set_order(draft, "sa_order", OrderState(OrderStatus.ORDERED, today, ""), actor)
    service.set_order(
        draft, "lab_urinalysis", OrderState(OrderStatus.ORDERED, today, "morning sample"), actor
    )
    service.set_answer(signed, "visit_main_complaint", "No ejaculate since surgery.", actor)
    service.finalize(signed, actor)
    return draft, signed


def _save_offline(window: MainWindow, service: WorkupService, folder: Path) -> None:
    """The workup while the database server is unreachable, one change waiting."""
    view = window.workup
    view.show_section(1)
    volume = view.field("hx_sx_volume_estimate")
    stored = service.set_answer

    def unreachable(*_args: object, **_kwargs: object) -> int:
        raise UnavailableError("connection to the server refused")

    service.set_answer = unreachable  # type: ignore[method-assign]
    try:
        line = getattr(volume, "line", None)
        if line is not None:
            QTest.keyClicks(line, "4")
        view.saver.flush_now()
        _save(window, folder, "18-server-unreachable")
    finally:
        service.set_answer = stored  # type: ignore[method-assign]
    view.retry_now()


def main(argv: list[str]) -> int:
    """Create the sample database, open the window and save every screen."""
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] not in ("en", "ru")):
        print("usage: screenshots.py OUTDIR [en|ru]", file=sys.stderr)
        return 2
    language = argv[2] if len(argv) == 3 else "en"
    folder = Path(argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        os.environ["WORKUP_CONFIG_DIR"] = str(Path(temporary) / "config")
        os.environ["WORKUP_DATA_DIR"] = str(Path(temporary) / "data")
        application = create_application(argv[:1])
        set_language(language)
        settings = Settings(
            clinic_name="City Andrology Clinic",
            default_clinician="Dr. Anna Volkova",
            language=language,
        )
        service = WorkupService.open(
            settings,
            f"sqlite:///{Path(temporary) / 'sample.sqlite3'}",
            clock=lambda: datetime.now(UTC),
        )
        try:
            draft, signed = _sample(service)
            window = MainWindow(service, settings)
            window.resize(1280, 800)
            window.show()
            welcome = window.welcome()
            _save(welcome, folder, "00-first-start")
            welcome.reject()
            _save(window, folder, "01-encounter-list")
            dialog = window.new_workup()
            _save(dialog, folder, "02-new-workup")
            dialog.reject()
            window.open_encounter(draft)
            view = window.workup
            for row, name in ((0, "03-section-A"), (1, "04-section-B1")):
                view.show_section(row)
                _save(window, folder, name)
            assert view.workflow is not None
            for section_id, name in (
                ("laboratory", "05-section-D-orders"),
                ("semen_analysis", "06-section-E1-order-details"),
                ("semen_collection", "07-section-E2-note"),
                ("instrumental", "08-section-G-optional-folded"),
                ("semen_leakage", "09-section-I-leakage"),
            ):
                row = [section.id for section in view.workflow.sections].index(section_id)
                view.show_section(row)
                _save(window, folder, name)
            order = view.field("sa_order")
            view.jump_to_item("sa_order")
            button = getattr(order, "instructions_button", None)
            if button is not None:
                button.setChecked(True)
            _save(window, folder, "10-order-instructions")
            review = view.review()
            if review is not None:
                _save(review, folder, "11-review")
                review.reject()
            window.open_encounter(signed)
            _save(window, folder, "12-finalized")
            settings_dialog = window.open_settings()
            _save(settings_dialog, folder, "13-settings")
            settings_dialog.reject()
            about = window.show_about()
            _save(about, folder, "14-about")
            about.reject()
            window.open_encounter(draft)
            export = ExportPdfDialog(language, settings.paper_size, window)
            export.show()
            _save(export, folder, "15-export-pdf")
            export.reject()
            history = window.show_history()
            if history is not None:
                _save(history, folder, "16-history")
                history.reject()
            batch = window.export_pdfs()
            if batch is not None:
                _save(batch, folder, "17-export-many-pdfs")
                batch.reject()
            backup_database(service.database.url, settings, "manual")
            backup_database(service.database.url, settings, "signature")
            backups = window.show_backups()
            _save(backups, folder, "19-backups")
            backups.reject()
            _save_offline(window, service, folder)
            window.close()
        finally:
            service.close()
        del application
    return 0


if __name__ == "__main__":
    QApplication.setDesktopSettingsAware(False)
    raise SystemExit(main(sys.argv))
