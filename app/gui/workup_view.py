"""The workup of one encounter: header, section navigator and the section forms, autosaved."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.encounter import Encounter, EncounterStatus
from app.domain.workflow import Item, Section, Workflow
from app.gui.autosave import AutoSaver
from app.gui.connection import OfflineBanner
from app.gui.dialogs import ReviewDialog
from app.gui.errors import show_service_error
from app.gui.fields import FIELD_CLASSES, ItemField, OrderField
from app.gui.i18n import display_date
from app.gui.messages import error_message
from app.gui.models import SectionListModel, local_time, status_text
from app.services import (
    ChangedError,
    ConflictError,
    InvalidInputError,
    ServiceError,
    WorkupService,
)
from app.services.session import EditKind, EncounterSession, FlushReport

log = logging.getLogger("app.gui")
Field = ItemField | OrderField


@dataclass
class SectionPage:
    """The widgets of one section's page."""

    section: Section
    scroll: QScrollArea
    items_box: QWidget
    fold_button: QToolButton | None = None
    fields: list[Field] = field(default_factory=list)


class WorkupView(QWidget):
    """Shows one encounter's form; every change goes to its `EncounterSession`, which the
    autosaver stores, and what is shown (visibility, completion, instructions) is asked of
    the session."""

    save_state_changed = Signal(str)
    encounter_changed = Signal(int)

    def __init__(
        self, service: WorkupService, language: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self.language = language
        self.session: EncounterSession | None = None
        self.workflow: Workflow | None = None
        self._deferred_errors: dict[str, str] = {}
        self._fields: dict[str, Field] = {}
        self._pages: list[SectionPage] = []
        self._built_language = ""
        self.review_dialog: ReviewDialog | None = None
        self.saver = AutoSaver(self)
        self.saver.state_changed.connect(self._on_saver_state_changed)
        self.saver.flushed.connect(self._on_saver_flushed)
        self.saver.offline_changed.connect(self._on_saver_offline_changed)
        self._error_timer = QTimer(self)
        self._error_timer.setSingleShot(True)
        self._error_timer.setInterval(500)
        self._error_timer.timeout.connect(self._on_error_timer_timeout)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = QFrame(self)
        self.header.setObjectName("workupHeader")
        header_layout = QHBoxLayout(self.header)
        header_layout.setContentsMargins(16, 10, 16, 10)
        text_column = QVBoxLayout()
        text_column.setSpacing(2)
        self.patient_label = QLabel(self.header)
        self.patient_label.setObjectName("patientName")
        self.details_label = QLabel(self.header)
        self.details_label.setObjectName("helpText")
        self.details_label.setWordWrap(True)
        self.status_label = QLabel(self.header)
        self.status_label.setObjectName("statusLine")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        for label in (self.patient_label, self.details_label, self.status_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text_column.addWidget(label)
        header_layout.addLayout(text_column, 1)
        self.review_button = QPushButton(self.header)
        self.sign_button = QPushButton(self.header)
        self.sign_button.setObjectName("primaryButton")
        self.amend_button = QPushButton(self.header)
        for button in (self.review_button, self.sign_button, self.amend_button):
            header_layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.header)
        self.offline_banner = OfflineBanner(self)
        self.offline_banner.retry_requested.connect(self._on_offline_banner_retry_requested)
        layout.addWidget(self.offline_banner)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.navigator = QListView(self.splitter)
        self.navigator.setObjectName("sectionNavigator")
        self.navigator.setMinimumWidth(300)
        self.navigator.setSpacing(1)
        self.navigator.setUniformItemSizes(False)
        self.navigator.setWordWrap(True)
        self.navigator.setResizeMode(QListView.ResizeMode.Adjust)
        self.navigator.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # a fixed viewport width keeps the wrapped titles from being elided after relayout
        self.navigator.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.navigator.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.pages = QStackedWidget(self.splitter)
        self.splitter.addWidget(self.navigator)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([320, 960])
        layout.addWidget(self.splitter, 1)
        self.sections: SectionListModel | None = None

        self.review_button.clicked.connect(self._on_review_button_clicked)
        self.sign_button.clicked.connect(self._on_sign_button_clicked)
        self.amend_button.clicked.connect(self._on_amend_button_clicked)
        self._retranslate()

    def _retranslate(self) -> None:
        self.review_button.setText(self.tr("Review…"))
        self.sign_button.setText(self.tr("Finalize…"))
        self.amend_button.setText(self.tr("Amend…"))
        self.navigator.setAccessibleName(self.tr("Sections"))
        self.offline_banner.retranslate()
        self._update_header()

    def set_language(self, language: str) -> None:
        """Show fixed texts and the workflow's texts in `language`.

        The shown encounter stays open at the same section; pending edits are saved first.
        When they cannot be saved the items keep their texts until the workup is opened again.
        """
        self.language = language
        self._retranslate()
        workflow, session = self.workflow, self.session
        if workflow is None or session is None or not self.flush():
            return
        row = self.current_section()
        self._build(workflow)
        session.reload()
        self._show()
        self.show_section(row)

    # -- loading ----------------------------------------------------------------------

    @property
    def encounter(self) -> Encounter | None:
        """The encounter shown, as last read."""
        return self.session.encounter if self.session is not None else None

    def load(self, encounter_id: int) -> None:
        """Show encounter `encounter_id` (the caller flushed the previous one)."""
        self.saver.discard()
        session = EncounterSession(self._service, encounter_id)
        workflow = session.workflow
        if (
            self.workflow is None
            or self.workflow.content_hash != workflow.content_hash
            or self._built_language != self.language
        ):
            self._build(workflow)
        self.workflow = workflow
        self.session = session
        self.saver.attach(session)
        self._show()
        self.show_section(0)

    def reload(self) -> None:
        """Read the encounter again and show what is stored."""
        if self.session is not None:
            self.session.reload()
            self._show()

    def _show(self) -> None:
        """Show the session's values; items with an edit still waiting keep what the user
        entered on screen."""
        session = self.session
        if session is None:
            return
        waiting = set(session.waiting_items())
        answers, orders = session.shown_values()
        visit_date = answers.get("visit_date")
        for item_id, widget in self._fields.items():
            if item_id in waiting:
                continue
            if isinstance(widget, OrderField):
                widget.set_state(orders.get(item_id))
                widget.set_default_date(visit_date)
            else:
                widget.set_value(answers.get(item_id))
            widget.set_error("")
        for page in self._pages:
            if page.fold_button is not None:
                recorded = any(
                    widget.item.id in answers or widget.item.id in orders for widget in page.fields
                )
                page.fold_button.setChecked(recorded)
        self._update_header()
        self._update_read_only()
        self._refresh()

    def _build(self, workflow: Workflow) -> None:
        while self.pages.count():
            page_widget = self.pages.widget(0)
            if page_widget is None:
                break
            self.pages.removeWidget(page_widget)
            page_widget.deleteLater()
        self._fields.clear()
        self._pages.clear()
        if self.sections is not None:
            self.sections.deleteLater()
        self._built_language = self.language
        self.sections = SectionListModel(workflow.sections, self.language, self)
        self.navigator.setModel(self.sections)
        self.navigator.selectionModel().currentChanged.connect(self._on_navigator_current_changed)
        for section in workflow.sections:
            page = self._build_page(section)
            self._pages.append(page)
            self.pages.addWidget(page.scroll)

    def _build_page(self, section: Section) -> SectionPage:
        scroll = QScrollArea(self.pages)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        body.setObjectName("sectionPage")
        column = QVBoxLayout(body)
        column.setContentsMargins(24, 16, 24, 24)
        column.setSpacing(4)
        title = QLabel(f"{section.code}  {section.title.get(self.language)}", body)
        title.setObjectName("sectionTitle")
        title.setWordWrap(True)
        column.addWidget(title)
        if section.note is not None:
            note = QLabel(section.note.get(self.language), body)
            note.setObjectName("sectionNote")
            note.setWordWrap(True)
            column.addWidget(note)
        fold_button: QToolButton | None = None
        if section.optional:
            fold_button = QToolButton(body)
            fold_button.setText(self.tr("Optional section — show its items"))
            fold_button.setCheckable(True)
            fold_button.setArrowType(Qt.ArrowType.RightArrow)
            fold_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            fold_button.setAutoRaise(True)
            fold_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            fold_button.setObjectName("foldButton")
            fold_button.setAccessibleName(
                self.tr("Show or hide the items of this optional section")
            )
            column.addWidget(fold_button, 0, Qt.AlignmentFlag.AlignLeft)
        items_box = QWidget(body)
        items_layout = QVBoxLayout(items_box)
        items_layout.setContentsMargins(0, 8, 0, 0)
        items_layout.setSpacing(2)
        page = SectionPage(section, scroll, items_box, fold_button)
        for item in section.items:
            widget = self._make_field(item, items_box)
            items_layout.addWidget(widget)
            self._fields[item.id] = widget
            page.fields.append(widget)
        column.addWidget(items_box)
        column.addStretch(1)
        scroll.setWidget(body)
        if fold_button is not None:
            items_box.setVisible(False)
            fold_button.toggled.connect(self._on_fold_button_toggled)
        return page

    def _make_field(self, item: Item, parent: QWidget) -> Field:
        if item.is_order:
            order = OrderField(item, self.language, parent=parent)
            order.order_edited.connect(self._on_field_order_edited)
            return order
        widget = FIELD_CLASSES[item.kind](item, self.language, parent)
        widget.value_edited.connect(self._on_field_value_edited)
        return widget

    # -- showing ----------------------------------------------------------------------

    def _update_header(self) -> None:
        encounter, workflow = self.encounter, self.workflow
        if encounter is None or workflow is None:
            return
        patient = encounter.patient
        self.patient_label.setText(patient.display_name)
        parts = [self.tr("born %1").replace("%1", display_date(patient.birth_date))]
        if patient.chart_number:
            parts.append(self.tr("chart %1").replace("%1", patient.chart_number))
        parts.append(
            self.tr("%1 (version %2)")
            .replace("%1", workflow.title.get(self.language))
            .replace("%2", str(workflow.version))
        )
        parts.append(self.tr("clinician %1").replace("%1", encounter.clinician))
        self.details_label.setText("  ·  ".join(parts))
        lines = [status_text(encounter.status)]
        if encounter.finalized_by and encounter.finalized_at:
            lines[0] += "  ·  " + self.tr("signed by %1 on %2").replace(
                "%1", encounter.finalized_by
            ).replace("%2", local_time(encounter.finalized_at))
        for addendum in encounter.addenda:
            text = self.tr("Addendum %1 (%2): “%3”, opened by %4 on %5").replace(
                "%1", str(addendum.seq)
            )
            state = (
                self.tr("signed by %1 on %2")
                .replace("%1", addendum.signed_by)
                .replace("%2", local_time(addendum.signed_at))
                if addendum.signed_by and addendum.signed_at
                else self.tr("not signed yet")
            )
            lines.append(
                text.replace("%2", state)
                .replace("%3", addendum.reason)
                .replace("%4", addendum.opened_by)
                .replace("%5", local_time(addendum.opened_at))
            )
        if not encounter.status.editable:
            lines[0] += "  ·  " + self.tr("read-only; use Amend… to add an addendum")
        self.status_label.setText("\n".join(lines))
        status = encounter.status
        self.sign_button.setVisible(status.editable)
        self.sign_button.setText(
            self.tr("Sign addendum…")
            if status is EncounterStatus.AMENDING
            else self.tr("Finalize…")
        )
        self.review_button.setVisible(status.editable)
        self.amend_button.setVisible(not status.editable)

    @property
    def editable(self) -> bool:
        """Whether the shown encounter may be changed."""
        return self.encounter is not None and self.encounter.status.editable

    def _update_read_only(self) -> None:
        read_only = not self.editable
        for widget in self._fields.values():
            widget.set_read_only(read_only)

    def _refresh(self) -> None:
        """Show or hide items by their show-when conditions; update the section counts."""
        session = self.session
        if session is None or self.sections is None:
            return
        state = session.form_state(self.language)
        for item_id, widget in self._fields.items():
            shown = state.visible.get(item_id, False)
            if widget.isHidden() == shown:
                widget.setVisible(shown)
            if isinstance(widget, OrderField) and item_id in state.instructions:
                widget.set_instructions(state.instructions[item_id])
        self.sections.set_completion(state.completion)

    def field(self, item_id: str) -> Field:
        """The widget of item `item_id`."""
        return self._fields[item_id]

    def current_section(self) -> int:
        """The index of the section shown."""
        return self.pages.currentIndex()

    def show_section(self, row: int) -> None:
        """Show section number `row` and select it in the navigator."""
        if not 0 <= row < len(self._pages) or self.sections is None:
            return
        self.pages.setCurrentIndex(row)
        index = self.sections.index(row)
        if self.navigator.currentIndex() != index:
            self.navigator.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def next_section(self) -> None:
        """Go to the next section."""
        self.show_section(min(self.current_section() + 1, len(self._pages) - 1))

    def previous_section(self) -> None:
        """Go to the previous section."""
        self.show_section(max(self.current_section() - 1, 0))

    def jump_to_item(self, item_id: str) -> None:
        """Show the section holding `item_id`, unfold it and focus the item."""
        if self.workflow is None or item_id not in self._fields:
            return
        section = self.workflow.section_of(item_id)
        row = next(i for i, page in enumerate(self._pages) if page.section.id == section.id)
        page = self._pages[row]
        if page.fold_button is not None:
            page.fold_button.setChecked(True)
        self.show_section(row)
        widget = self._fields[item_id]
        widget.focus_input()
        QTimer.singleShot(0, page.scroll, lambda: page.scroll.ensureWidgetVisible(widget, 0, 40))

    # -- saving -----------------------------------------------------------------------

    def flush(self) -> bool:
        """Store waiting edits now (waiting for it); False when some could not be stored."""
        return self.saver.flush_now()

    def ready(self, title: str) -> bool:
        """Store waiting edits before `title` is done; refuse it while they cannot be saved."""
        if self.flush():
            return True
        if self.saver.offline:
            QMessageBox.warning(
                self,
                title,
                self.tr(
                    "The database server is unreachable and %n change(s) of this workup are "
                    "not saved yet. This can be done once they are saved; they are tried "
                    "again automatically, or use Retry now.",
                    "",
                    self.saver.waiting,
                ),
            )
        return False

    def settle(self, title: str) -> bool:
        """Store waiting edits before the workup is closed; True when it may close.

        While the server is unreachable the user chooses: try again, discard the waiting
        changes, or keep the workup open (the changes stay and are tried again).
        """
        while not self.flush():
            if not self.saver.offline:
                return False
            answer = QMessageBox.question(
                self,
                title,
                self.tr(
                    "The database server is unreachable and %n change(s) of this workup are "
                    "not saved yet. They are still shown and are saved when the server "
                    "answers.\n\nRetry: try to save them now.\nDiscard: close the workup "
                    "and lose these changes.\nCancel: keep the workup open and keep trying.",
                    "",
                    self.saver.waiting,
                ),
                QMessageBox.StandardButton.Retry
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Discard:
                log.warning("waiting changes discarded by the user: %d", self.saver.waiting)
                self.saver.discard()
                return True
            if answer != QMessageBox.StandardButton.Retry:
                return False
        return True

    def retry_now(self) -> None:
        """Try to save the changes waiting for the server at once."""
        self.saver.retry_now()

    def _edit(self, kind: EditKind, item_id: str, value: object, immediate: bool) -> None:
        """Give a user's edit to the session; an invalid one is marked on its field (typing:
        after a pause, so that a value being typed is not marked half-way)."""
        session = self.session
        if session is None:
            return
        try:
            session.edit(kind, item_id, value)
        except InvalidInputError as error:
            self._deferred_errors[item_id] = error_message(error)
            if immediate:
                self._show_deferred_errors()
            else:
                self._error_timer.start()
            self._refresh()
            return
        self._deferred_errors.pop(item_id, None)
        if item_id in self._fields:
            self._fields[item_id].set_error("")
        if item_id == "visit_date":
            visit_date = session.shown_values()[0].get("visit_date")
            for widget in self._fields.values():
                if isinstance(widget, OrderField):
                    widget.set_default_date(visit_date)
        self._refresh()
        self.saver.changed(immediate)

    def _show_deferred_errors(self) -> None:
        for item_id, message in self._deferred_errors.items():
            if item_id in self._fields:
                self._fields[item_id].set_error(message[:1].upper() + message[1:] + ".")
        if self._deferred_errors:
            self.save_state_changed.emit(AutoSaver.INVALID)
        self._deferred_errors.clear()

    @Slot()
    def _on_error_timer_timeout(self) -> None:
        self._show_deferred_errors()

    @Slot(str, object, bool)
    def _on_field_value_edited(self, item_id: str, value: object, immediate: bool) -> None:
        self._edit(EditKind.ANSWER, item_id, value, immediate)

    @Slot(str, object, bool)
    def _on_field_order_edited(self, item_id: str, entry: object, immediate: bool) -> None:
        self._edit(EditKind.ORDER, item_id, entry, immediate)

    @Slot(str)
    def _on_saver_state_changed(self, state: str) -> None:
        if state == AutoSaver.OFFLINE:
            self._on_saver_offline_changed()
        self.save_state_changed.emit(state)

    @Slot()
    def _on_saver_offline_changed(self) -> None:
        saver = self.saver
        session = self.session
        self.offline_banner.show_state(
            saver.offline, saver.waiting, saver.last_attempt, saver.next_attempt
        )
        self.offline_banner.setToolTip(str(session.offline or "") if session else "")

    @Slot()
    def _on_offline_banner_retry_requested(self) -> None:
        self.retry_now()

    @Slot(object)
    def _on_saver_flushed(self, report: FlushReport) -> None:
        for item_id, error in report.rejected:
            if item_id in self._fields:
                message = error_message(error)
                self._fields[item_id].set_error(message[:1].upper() + message[1:] + ".")
        for item_id in report.stored:
            if item_id in self._fields and item_id not in self._deferred_errors:
                self._fields[item_id].set_error("")
        for conflict in report.conflicts:
            self._on_conflict(conflict)
        if report.failed is not None:
            show_service_error(self, self.tr("The change was not saved"), report.failed)

    def _on_conflict(self, error: ConflictError) -> None:
        show_service_error(self, self.tr("Changed on another workstation"), error)
        try:
            self.reload()
        except ServiceError as reload_error:
            show_service_error(self, self.tr("Changed on another workstation"), reload_error)

    # -- review, finalize, amend ------------------------------------------------------

    def review(self) -> ReviewDialog | None:
        """Open the list of required items still missing."""
        session = self.session
        if session is None or not self.ready(self.tr("Review")):
            return None
        try:
            encounter = session.reload()
            missing = session.missing_required()
            notes = session.prompts()
        except ServiceError as error:
            show_service_error(self, self.tr("Review"), error)
            return None
        sign_text = (
            self.tr("Sign addendum…")
            if encounter.status is EncounterStatus.AMENDING
            else self.tr("Finalize…")
        )
        dialog = ReviewDialog(missing, self.language, sign_text, self, notes)
        dialog.item_chosen.connect(self._on_review_item_chosen)
        dialog.finalize_requested.connect(self._on_review_finalize_requested)
        dialog.finished.connect(dialog.deleteLater)
        self.review_dialog = dialog
        dialog.open()
        return dialog

    def finalize(self) -> None:
        """Sign the encounter or its open addendum after confirming the clinician's name."""
        session = self.session
        if session is None or not self.editable:
            return
        encounter_id = session.encounter_id
        title = (
            self.tr("Sign addendum")
            if session.encounter.status is EncounterStatus.AMENDING
            else self.tr("Finalize workup")
        )
        if not self.ready(title):
            return
        try:
            check = session.check_before_signing()
        except ChangedError as error:
            # Another workstation changed it since it was shown: show it, sign nothing.
            self._show()
            show_service_error(self, title, error)
            return
        except ServiceError as error:
            show_service_error(self, title, error)
            return
        if check.missing:
            self.review()
            return
        name, accepted = QInputDialog.getText(
            self,
            title,
            self.tr("Sign as (your full name). Afterwards the workup cannot be changed:"),
            QLineEdit.EchoMode.Normal,
            session.encounter.clinician,
        )
        if not accepted:
            return
        try:
            session.finalize(name, check.revision)
        except ChangedError as error:
            self._show_changed(title, error)
            return
        except ServiceError as error:
            show_service_error(self, title, error)
            return
        log.info("encounter %s signed", encounter_id)
        self._show()
        self.encounter_changed.emit(encounter_id)

    def _show_changed(self, title: str, error: ChangedError) -> None:
        """Show the encounter as stored now and tell the signer it changed."""
        try:
            self.reload()
        except ServiceError as reload_error:
            show_service_error(self, title, reload_error)
            return
        show_service_error(self, title, error)

    def amend(self) -> None:
        """Open an addendum with a reason so the signed workup can be changed."""
        session = self.session
        if session is None or self.editable:
            return
        reason, accepted = QInputDialog.getText(
            self,
            self.tr("Amend workup"),
            self.tr("Reason for the addendum:"),
            QLineEdit.EchoMode.Normal,
            "",
        )
        if not accepted:
            return
        try:
            session.amend(reason)
        except ServiceError as error:
            show_service_error(self, self.tr("Amend workup"), error)
            return
        self._show()
        self.encounter_changed.emit(session.encounter_id)

    @Slot()
    def _on_review_button_clicked(self) -> None:
        self.review()

    @Slot()
    def _on_sign_button_clicked(self) -> None:
        self.finalize()

    @Slot()
    def _on_amend_button_clicked(self) -> None:
        self.amend()

    @Slot(str)
    def _on_review_item_chosen(self, item_id: str) -> None:
        self.jump_to_item(item_id)

    @Slot()
    def _on_review_finalize_requested(self) -> None:
        self.finalize()

    @Slot(QModelIndex, QModelIndex)
    def _on_navigator_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.pages.setCurrentIndex(current.row())

    @Slot(bool)
    def _on_fold_button_toggled(self, shown: bool) -> None:
        for page in self._pages:
            if page.fold_button is not None and page.fold_button is self.sender():
                page.items_box.setVisible(shown)
                page.fold_button.setArrowType(
                    Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
                )
                page.fold_button.setText(
                    self.tr("Optional section — hide its items")
                    if shown
                    else self.tr("Optional section — show its items")
                )
