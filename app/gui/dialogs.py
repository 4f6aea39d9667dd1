"""Dialogs: first start, new workup, review before signing, settings and about."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QRegularExpression,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.config import PAPER_SIZES, Settings, backup_counts
from app.domain.encounter import Encounter, Patient
from app.domain.vocabulary import Paper
from app.domain.workflow import Item, Section
from app.gui.i18n import LANGUAGE_NAMES
from app.gui.messages import error_message
from app.gui.models import MissingItemsModel, PatientListModel, Roles
from app.services import InvalidInputError, ServiceError, WorkupService, shown_url

SEARCH_DELAY_MS = 250


def paper_name(paper: str) -> str:
    """A paper size as the interface names it."""
    names: dict[str, str] = {
        Paper.A4: "A4",
        Paper.LETTER: QCoreApplication.translate("paper", "Letter (US)"),
    }
    return names.get(paper, paper)


def fill_paper_sizes(combo: QComboBox, chosen: str) -> None:
    """The paper sizes, `chosen` selected."""
    for paper in PAPER_SIZES:
        combo.addItem(paper_name(paper), paper.value)
    combo.setCurrentIndex(max(combo.findData(chosen), 0))


def add_hint_and_buttons(
    dialog: QDialog, layout: QVBoxLayout, hint: str, accept_text: str
) -> QPushButton:
    """Close `layout` with a wrapped hint and OK (named `accept_text`) / Cancel; return OK."""
    label = QLabel(hint, dialog)
    label.setObjectName("helpText")
    label.setWordWrap(True)
    layout.addWidget(label)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    accept_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
    accept_button.setText(accept_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return accept_button


class NewWorkupDialog(QDialog):
    """Pick or register a patient, choose the workflow and clinician, start a draft."""

    encounter_started = Signal(int)

    def __init__(
        self, service: WorkupService, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._settings = settings
        self._created: Patient | None = None
        self.encounter: Encounter | None = None
        self.setWindowTitle(self.tr("New workup"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)

        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs)

        existing = QWidget(self.tabs)
        existing_layout = QVBoxLayout(existing)
        self.patient_search = QLineEdit(existing)
        self.patient_search.setPlaceholderText(self.tr("Family name, given name or chart number"))
        self.patient_search.setAccessibleName(self.tr("Search patients"))
        self.patient_search.setClearButtonEnabled(True)
        self.patients = PatientListModel(self)
        self.patient_view = QListView(existing)
        self.patient_view.setModel(self.patients)
        self.patient_view.setAccessibleName(self.tr("Patients found"))
        self.patient_view.setMinimumHeight(180)
        existing_layout.addWidget(self.patient_search)
        existing_layout.addWidget(self.patient_view)
        self.tabs.addTab(existing, self.tr("Existing patient"))

        new = QWidget(self.tabs)
        form = QFormLayout(new)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.family_name = QLineEdit(new)
        self.given_name = QLineEdit(new)
        self.birth_date = QLineEdit(new)
        self.birth_date.setPlaceholderText(self.tr("YYYY-MM-DD"))
        self.birth_date.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"^[0-9-]{0,10}$"), self.birth_date)
        )
        self.chart_number = QLineEdit(new)
        for widget, text in (
            (self.family_name, self.tr("Family name")),
            (self.given_name, self.tr("Given name")),
            (self.birth_date, self.tr("Date of birth")),
            (self.chart_number, self.tr("Chart number")),
        ):
            widget.setAccessibleName(text)
            form.addRow(text, widget)
        self.tabs.addTab(new, self.tr("New patient"))

        workup = QFormLayout()
        self.workflow_combo = QComboBox(self)
        for workflow in service.workflows():
            self.workflow_combo.addItem(
                self.tr("%1 (version %2)")
                .replace("%1", workflow.title.get(settings.language))
                .replace("%2", str(workflow.version)),
                workflow.id,
            )
        self.workflow_combo.setAccessibleName(self.tr("Workflow"))
        self.workflow_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.workflow_combo.setMinimumContentsLength(30)
        self.clinician = QLineEdit(settings.default_clinician, self)
        self.clinician.setAccessibleName(self.tr("Clinician"))
        workup.addRow(self.tr("Workflow"), self.workflow_combo)
        workup.addRow(self.tr("Clinician"), self.clinician)
        layout.addLayout(workup)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("inputError")
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        layout.addWidget(self.error_label)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.start_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.start_button.setText(self.tr("Start workup"))
        layout.addWidget(self.buttons)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.patient_search.textEdited.connect(self._on_patient_search_text_edited)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.patient_view.doubleClicked.connect(self._on_patient_view_double_clicked)
        self.tabs.setCurrentIndex(1)
        self.family_name.setFocus()

    def _fail(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(True)

    def _chosen_patient(self) -> Patient | None:
        """The selected or newly registered patient; None after showing why not."""
        if self.tabs.currentIndex() == 0:
            index = self.patient_view.currentIndex()
            if not index.isValid():
                self._fail(self.tr("Choose a patient from the list, or register a new one."))
                return None
            return self.patients.patient(index.row())
        if self._created is not None:
            return self._created
        try:
            born = date.fromisoformat(self.birth_date.text().strip())
        except ValueError:
            self._fail(self.tr("Enter the date of birth as YYYY-MM-DD."))
            self.birth_date.setFocus()
            return None
        try:
            self._created = self._service.create_patient(
                self.family_name.text(), self.given_name.text(), born, self.chart_number.text()
            )
        except InvalidInputError as error:
            message = error_message(error)
            self._fail(message[:1].upper() + message[1:] + ".")
            return None
        return self._created

    @Slot()
    def _on_buttons_accepted(self) -> None:
        if not self.clinician.text().strip():
            self._fail(self.tr("Enter the clinician's name."))
            self.clinician.setFocus()
            return
        patient = self._chosen_patient()
        if patient is None or patient.id is None:
            return
        try:
            self.encounter = self._service.start_encounter(
                patient.id, str(self.workflow_combo.currentData()), self.clinician.text()
            )
        except ServiceError as error:
            self._fail(error_message(error))
            return
        assert self.encounter.id is not None
        self.accept()
        self.encounter_started.emit(self.encounter.id)

    @Slot(str)
    def _on_patient_search_text_edited(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        text = self.patient_search.text().strip()
        self.patients.set_patients(self._service.find_patients(text) if text else [])
        if self.patients.rowCount():
            self.patient_view.setCurrentIndex(self.patients.index(0))

    @Slot(QModelIndex)
    def _on_patient_view_double_clicked(self, _index: QModelIndex) -> None:
        self._on_buttons_accepted()


class ReviewDialog(QDialog):
    """Required items still missing, then orders with no decision and data-entry prompts
    (which do not stop signing); choosing one jumps to it."""

    item_chosen = Signal(str)
    finalize_requested = Signal()

    def __init__(
        self,
        entries: list[tuple[Section, Item]],
        language: str,
        sign_text: str,
        parent: QWidget | None = None,
        notes: list[tuple[Section, Item, str]] | None = None,
    ) -> None:
        super().__init__(parent)
        notes = notes or []
        self.setWindowTitle(self.tr("Review before signing"))
        self.setMinimumSize(520, 360)
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = MissingItemsModel(language, self)
        self.model.set_entries(entries, notes)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Required items not answered"))
        layout.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        self.finalize_button = QPushButton(sign_text, self)
        self.close_button = QPushButton(self.tr("Close"), self)
        buttons.addStretch(1)
        buttons.addWidget(self.finalize_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        parts = [
            self.tr(
                "%n required item(s) are not answered yet. Choose one to go to it.",
                "",
                len(entries),
            )
            if entries
            else self.tr("Every required item is answered.")
        ]
        if notes:
            parts.append(
                self.tr(
                    "%n more item(s) to look at: orders with no decision and entries to "
                    "complete. They do not stop signing.",
                    "",
                    len(notes),
                )
            )
        self.summary.setText(" ".join(parts))
        self.view.setVisible(bool(entries or notes))
        self.finalize_button.setEnabled(not entries)
        self.view.activated.connect(self._on_view_activated)
        self.view.clicked.connect(self._on_view_activated)
        self.finalize_button.clicked.connect(self._on_finalize_button_clicked)
        self.close_button.clicked.connect(self.reject)

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        item_id = index.data(Roles.ITEM_ID)
        if item_id:
            self.accept()
            self.item_chosen.emit(str(item_id))

    @Slot()
    def _on_finalize_button_clicked(self) -> None:
        self.accept()
        self.finalize_requested.emit()


class SettingsDialog(QDialog):
    """Clinic, clinician, language, paper, database and workflows folder."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.clinic_name = QLineEdit(settings.clinic_name, self)
        self.clinic_address = QLineEdit(settings.clinic_address, self)
        self.default_clinician = QLineEdit(settings.default_clinician, self)
        self.language = QComboBox(self)
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(self.language.findData(settings.language), 0))
        self.paper_size = QComboBox(self)
        fill_paper_sizes(self.paper_size, settings.paper_size)
        # The URL is shown with its password hidden; saved unchanged, the stored URL (with
        # its password) is kept. To change the URL, type it whole, password included.
        self._shown_database_url = shown_url(settings.database_url)
        self.database_url = QLineEdit(self._shown_database_url, self)
        self.database_url.setPlaceholderText(self.tr("Local database in the user's data folder"))
        self.workflows_dir = QLineEdit(settings.workflows_dir, self)
        self.workflows_dir.setPlaceholderText(self.tr("None (shipped workflows only)"))
        self.backup_dir = QLineEdit(settings.backup_dir, self)
        self.backup_dir.setPlaceholderText(self.tr("The backups folder in the user's data folder"))
        kept = QHBoxLayout()
        self.backup_counts: list[QSpinBox] = []
        for value, text in zip(
            backup_counts(settings),
            (self.tr("recent"), self.tr("daily"), self.tr("weekly"), self.tr("monthly")),
            strict=True,
        ):
            spin = QSpinBox(self)
            spin.setRange(0, 999)
            spin.setValue(value)
            spin.setSuffix(f" {text}")
            spin.setAccessibleName(self.tr("Backups kept: %1").replace("%1", text))
            self.backup_counts.append(spin)
            kept.addWidget(spin)
        kept.addStretch(1)
        kept_box = QWidget(self)
        kept.setContentsMargins(0, 0, 0, 0)
        kept_box.setLayout(kept)
        rows: list[tuple[str, QWidget]] = [
            (self.tr("Clinic name"), self.clinic_name),
            (self.tr("Clinic address"), self.clinic_address),
            (self.tr("Default clinician"), self.default_clinician),
            (self.tr("Language"), self.language),
            (self.tr("Paper size"), self.paper_size),
            (self.tr("Database URL"), self.database_url),
            (self.tr("Clinic workflows folder"), self.workflows_dir),
            (self.tr("Backups folder"), self.backup_dir),
            (self.tr("Backups kept"), kept_box),
        ]
        for text, widget in rows:
            widget.setAccessibleName(text)
            form.addRow(text, widget)
        layout.addLayout(form)
        hint = QLabel(
            self.tr(
                "The language changes at once. The database and the workflows folder take "
                "effect the next time the application is started."
            ),
            self,
        )
        hint.setObjectName("helpText")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def settings(self) -> Settings:
        """The settings as edited."""
        return replace(
            self._settings,
            clinic_name=self.clinic_name.text().strip(),
            clinic_address=self.clinic_address.text().strip(),
            default_clinician=self.default_clinician.text().strip(),
            language=str(self.language.currentData()),
            paper_size=str(self.paper_size.currentData()),
            database_url=(
                self._settings.database_url
                if self.database_url.text().strip() == self._shown_database_url.strip()
                else self.database_url.text().strip()
            ),
            workflows_dir=self.workflows_dir.text().strip(),
            backup_dir=self.backup_dir.text().strip(),
            backup_recent=str(self.backup_counts[0].value()),
            backup_daily=str(self.backup_counts[1].value()),
            backup_weekly=str(self.backup_counts[2].value()),
            backup_monthly=str(self.backup_counts[3].value()),
        )


class WelcomeDialog(QDialog):
    """The first start: the clinic and the default clinician, printed on every summary."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.setWindowTitle(self.tr("Welcome"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        title = QLabel(self.tr("Ejaculatory Disorder Workup"), self)
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        intro = QLabel(
            self.tr(
                "The clinic's name and address head every summary and instruction page; "
                "the default clinician is offered when a new workup is started."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.clinic_name = QLineEdit(settings.clinic_name, self)
        self.clinic_address = QLineEdit(settings.clinic_address, self)
        self.default_clinician = QLineEdit(settings.default_clinician, self)
        for text, widget in (
            (self.tr("Clinic name"), self.clinic_name),
            (self.tr("Clinic address"), self.clinic_address),
            (self.tr("Default clinician"), self.default_clinician),
        ):
            widget.setAccessibleName(text)
            form.addRow(text, widget)
        layout.addLayout(form)
        hint = QLabel(self.tr("You can skip this and fill it in later in File → Settings…"), self)
        hint.setObjectName("helpText")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.skip_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.skip_button.setText(self.tr("Skip"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def settings(self) -> Settings:
        """The settings with the clinic and clinician as typed."""
        return replace(
            self._settings,
            clinic_name=self.clinic_name.text().strip(),
            clinic_address=self.clinic_address.text().strip(),
            default_clinician=self.default_clinician.text().strip(),
        )


class AboutDialog(QDialog):
    """Version and what the application does and does not do."""

    def __init__(self, database_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        title = QLabel(self.tr("Ejaculatory Disorder Workup"), self)
        title.setObjectName("dialogTitle")
        version = QLabel(self.tr("Version %1").replace("%1", __version__), self)
        statement = QLabel(
            self.tr(
                "This application records the diagnostic workup of retrograde ejaculation "
                "and related ejaculatory complaints: what was asked, examined and ordered.\n\n"
                "It does not interpret anything. It suggests no diagnosis, flags no value and "
                "compares nothing with reference ranges. Every clinical judgement is the "
                "clinician's."
            ),
            self,
        )
        statement.setWordWrap(True)
        database = QLabel(self.tr("Database: %1").replace("%1", database_label), self)
        database.setObjectName("helpText")
        database.setWordWrap(True)
        database.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        for widget in (title, version, statement, database):
            layout.addWidget(widget)
        layout.addWidget(buttons)


class ExportPdfDialog(QDialog):
    """The document (summary or patient copy), language, paper and whether the patient
    instruction pages are included, chosen before the file name."""

    def __init__(self, language: str, paper: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export PDF"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.language_combo = QComboBox(self)
        for code, name in LANGUAGE_NAMES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(language), 0))
        self.paper_combo = QComboBox(self)
        fill_paper_sizes(self.paper_combo, paper)
        self.document_combo = QComboBox(self)
        self.document_combo.addItem(self.tr("Summary for the clinical record"), False)
        self.document_combo.addItem(self.tr("Patient copy (orders and instructions only)"), True)
        self.instructions_check = QCheckBox(self.tr("Include patient instructions"), self)
        self.instructions_check.setChecked(True)
        for text, widget in (
            (self.tr("Document"), self.document_combo),
            (self.tr("Language of the PDF"), self.language_combo),
            (self.tr("Paper size"), self.paper_combo),
        ):
            widget.setAccessibleName(text)
            form.addRow(text, widget)
        self.instructions_check.setAccessibleName(self.instructions_check.text())
        form.addRow("", self.instructions_check)
        layout.addLayout(form)
        self.document_combo.currentIndexChanged.connect(self._on_document_combo_changed)
        self.choose_button = add_hint_and_buttons(
            self,
            layout,
            self.tr(
                "The workup's own language is chosen first; choosing another one changes "
                "this file only."
            ),
            self.tr("Choose file…"),
        )

    @Slot(int)
    def _on_document_combo_changed(self, _index: int) -> None:
        # a patient copy is its orders and instruction pages: the pages are always in it
        copy = self.patient_copy()
        self.instructions_check.setEnabled(not copy)
        if copy:
            self.instructions_check.setChecked(True)

    def patient_copy(self) -> bool:
        """Whether the patient copy was chosen instead of the summary."""
        return bool(self.document_combo.currentData())

    def instructions(self) -> bool:
        """Whether the patient instruction pages go into the PDF."""
        return self.patient_copy() or self.instructions_check.isChecked()

    def language(self) -> str:
        """The language chosen for the PDF."""
        return str(self.language_combo.currentData())

    def paper(self) -> str:
        """The paper size chosen for the PDF."""
        return str(self.paper_combo.currentData())
