"""One input widget per workflow item kind, plus the order widget; they emit edits, never save."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal, Slot
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.encounter import OrderState, OrderStatus
from app.domain.values import AnswerValue, YnuDetails, number_text, unit_text
from app.domain.workflow import Item, ItemKind, Role
from app.services.session import OrderEntry

CONTROL_WIDTH = 440
_NUMBER = QRegularExpression(r"^-?\d*([.,]\d*)?$")
_DATE = QRegularExpression(r"^[0-9-]{0,10}$")
_DATETIME = QRegularExpression(r"^[0-9-]{0,10}([ T][0-9:]{0,5})?$")


class YnuButtons(QWidget):
    """Three exclusive checkable buttons Yes / No / Unknown and a Clear button.

    No button checked means "not asked", distinct from No and from Unknown.
    """

    choice_clicked = Signal(str)

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self._group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        words = {"yes": self.tr("Yes"), "no": self.tr("No"), "unknown": self.tr("Unknown")}
        for value, word in words.items():
            button = QPushButton(word, self)
            button.setCheckable(True)
            button.setObjectName(f"ynu_{value}")
            button.setAccessibleName(f"{label}: {word}")
            button.setMinimumWidth(72)
            button.setProperty("ynu", True)
            self._group.addButton(button)
            self.buttons[value] = button
            layout.addWidget(button)
        self.clear_button = QToolButton(self)
        self.clear_button.setText(self.tr("Clear"))
        self.clear_button.setObjectName("ynu_clear")
        self.clear_button.setAccessibleName(self.tr("%1: clear the answer").replace("%1", label))
        self.clear_button.setToolTip(self.tr("Not asked (no answer)"))
        self.clear_button.setAutoRaise(True)
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self._group.buttonClicked.connect(self._on_group_clicked)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)

    def choice(self) -> str | None:
        """The checked value, None when not asked."""
        for value, button in self.buttons.items():
            if button.isChecked():
                return value
        return None

    def set_choice(self, choice: str | None) -> None:
        """Check `choice` (None unchecks all) without emitting."""
        self._group.setExclusive(False)
        for value, button in self.buttons.items():
            button.setChecked(value == choice)
        self._group.setExclusive(True)

    @Slot(QAbstractButton)
    def _on_group_clicked(self, button: QAbstractButton) -> None:
        for value, candidate in self.buttons.items():
            if candidate is button:
                self.choice_clicked.emit(value)

    @Slot()
    def _on_clear_button_clicked(self) -> None:
        self.set_choice(None)
        self.choice_clicked.emit("")


class ItemField(QWidget):
    """The widget of one item: label, control, help and an inline error line.

    `value_edited(item_id, value, immediate)` reports a user edit; value None clears the
    answer; `immediate` is False while typing (the saver debounces those).
    """

    value_edited = Signal(str, object, bool)

    def __init__(self, item: Item, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.language = language
        self.label_text = item.label.get(language)
        self._loading = False
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 6, 0, 6)
        self._grid.setHorizontalSpacing(16)
        self._grid.setVerticalSpacing(3)
        self._grid.setColumnStretch(0, 1)
        self.label = QLabel(self.label_text + (" *" if item.required else ""), self)
        self.label.setWordWrap(True)
        self.label.setObjectName("itemLabel")
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.control = QWidget(self)
        self.control.setFixedWidth(CONTROL_WIDTH)
        self.control_layout = QVBoxLayout(self.control)
        self.control_layout.setContentsMargins(0, 0, 0, 0)
        self.control_layout.setSpacing(4)
        self._grid.addWidget(self.label, 0, 0)
        self._grid.addWidget(self.control, 0, 1, Qt.AlignmentFlag.AlignTop)
        row = 1
        if item.help is not None:
            help_label = QLabel(item.help.get(language), self)
            help_label.setWordWrap(True)
            help_label.setObjectName("helpText")
            self._grid.addWidget(help_label, row, 0)
            row += 1
        self.error_label = QLabel(self)
        self.error_label.setObjectName("inputError")
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        self._grid.addWidget(self.error_label, row, 0, 1, 2)
        self.inputs: list[QWidget] = []
        self._build()

    # -- building ---------------------------------------------------------------------

    def _build(self) -> None:
        raise NotImplementedError

    def _add_input(self, widget: QWidget, accessible: str | None = None) -> None:
        widget.setAccessibleName(accessible or self.label_text)
        self.inputs.append(widget)

    # -- state ------------------------------------------------------------------------

    def set_value(self, value: AnswerValue | None) -> None:
        """Show `value` without reporting it as an edit."""
        self._loading = True
        try:
            self._show(value)
        finally:
            self._loading = False

    def _show(self, value: AnswerValue | None) -> None:
        raise NotImplementedError

    def set_error(self, message: str) -> None:
        """Show an input problem next to the field (empty hides it)."""
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def set_read_only(self, read_only: bool) -> None:
        """Disable every input of the field."""
        for widget in self.inputs:
            widget.setEnabled(not read_only)

    def focus_input(self) -> None:
        """Put the keyboard focus on the first input."""
        if self.inputs:
            self.inputs[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def _emit(self, value: Any, immediate: bool) -> None:
        if not self._loading:
            self.value_edited.emit(self.item.id, value, immediate)


class CheckField(ItemField):
    """A single checkbox carrying the label itself."""

    def _build(self) -> None:
        self.label.setVisible(False)
        self._grid.removeWidget(self.control)
        self._grid.addWidget(self.control, 0, 0, 1, 2)
        self.control.setMinimumWidth(0)
        self.control.setMaximumWidth(16777215)
        self.checkbox = QCheckBox(self.label_text + (" *" if self.item.required else ""))
        self.control_layout.addWidget(self.checkbox)
        self._add_input(self.checkbox)
        self.checkbox.clicked.connect(self._on_checkbox_clicked)

    def _show(self, value: AnswerValue | None) -> None:
        self.checkbox.setChecked(value is True)

    @Slot(bool)
    def _on_checkbox_clicked(self, checked: bool) -> None:
        self._emit(checked, True)


class YnuField(ItemField):
    """Yes / No / Unknown, with "not asked" as no answer."""

    def _build(self) -> None:
        self.ynu = YnuButtons(self.label_text, self.control)
        self.control_layout.addWidget(self.ynu)
        for button in self.ynu.buttons.values():
            self.inputs.append(button)
        self.inputs.append(self.ynu.clear_button)
        self.ynu.choice_clicked.connect(self._on_ynu_choice_clicked)

    def _show(self, value: AnswerValue | None) -> None:
        self.ynu.set_choice(value if isinstance(value, str) else None)

    @Slot(str)
    def _on_ynu_choice_clicked(self, choice: str) -> None:
        self._emit(choice or None, True)


class YnuDetailsField(ItemField):
    """Yes / No / Unknown plus details, shown when Yes."""

    def _build(self) -> None:
        self.ynu = YnuButtons(self.label_text, self.control)
        self.control_layout.addWidget(self.ynu)
        for button in self.ynu.buttons.values():
            self.inputs.append(button)
        self.inputs.append(self.ynu.clear_button)
        self.details = QLineEdit(self.control)
        self.details.setPlaceholderText(self.tr("Details"))
        self.details.setVisible(False)
        self.control_layout.addWidget(self.details)
        self._add_input(self.details, self.tr("%1: details").replace("%1", self.label_text))
        self.ynu.choice_clicked.connect(self._on_ynu_choice_clicked)
        self.details.textEdited.connect(self._on_details_text_edited)

    def _show(self, value: AnswerValue | None) -> None:
        if isinstance(value, YnuDetails):
            self.ynu.set_choice(value.choice)
            self.details.setText(value.details)
        else:
            self.ynu.set_choice(None)
            self.details.clear()
        self.details.setVisible(self.ynu.choice() == "yes")

    def _value(self) -> YnuDetails | None:
        choice = self.ynu.choice()
        return YnuDetails(choice, self.details.text()) if choice else None

    @Slot(str)
    def _on_ynu_choice_clicked(self, choice: str) -> None:
        self.details.setVisible(choice == "yes")
        self._emit(self._value(), True)

    @Slot(str)
    def _on_details_text_edited(self, _text: str) -> None:
        self._emit(self._value(), False)


class SingleField(ItemField):
    """A drop-down list with an empty "—" entry for no answer."""

    def _build(self) -> None:
        self.combo = QComboBox(self.control)
        self.combo.addItem("—", None)
        for option in self.item.options:
            self.combo.addItem(option.label.get(self.language), option.value)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.control_layout.addWidget(self.combo)
        self._add_input(self.combo)
        self.combo.activated.connect(self._on_combo_activated)

    def _show(self, value: AnswerValue | None) -> None:
        index = self.combo.findData(value) if isinstance(value, str) else 0
        self.combo.setCurrentIndex(max(index, 0))

    @Slot(int)
    def _on_combo_activated(self, index: int) -> None:
        self._emit(self.combo.itemData(index), True)


class MultiField(ItemField):
    """One checkbox per option."""

    def _build(self) -> None:
        self.boxes: dict[str, QCheckBox] = {}
        for option in self.item.options:
            box = QCheckBox(option.label.get(self.language), self.control)
            self.control_layout.addWidget(box)
            self._add_input(box, f"{self.label_text}: {option.label.get(self.language)}")
            self.boxes[option.value] = box
            box.clicked.connect(self._on_box_clicked)

    def _show(self, value: AnswerValue | None) -> None:
        chosen = set(value) if isinstance(value, tuple) else set()
        for option_value, box in self.boxes.items():
            box.setChecked(option_value in chosen)

    @Slot(bool)
    def _on_box_clicked(self, _checked: bool) -> None:
        chosen = tuple(value for value, box in self.boxes.items() if box.isChecked())
        self._emit(chosen or None, True)


class TextField(ItemField):
    """Free text: one line for administrative fields, a few lines otherwise."""

    def _build(self) -> None:
        self.line: QLineEdit | None = None
        self.editor: QPlainTextEdit | None = None
        if self.item.role is Role.ADMIN:
            self.line = QLineEdit(self.control)
            self.control_layout.addWidget(self.line)
            self._add_input(self.line)
            self.line.textEdited.connect(self._on_line_text_edited)
        else:
            self.editor = QPlainTextEdit(self.control)
            self.editor.setTabChangesFocus(True)
            self.editor.setFixedHeight(self.editor.fontMetrics().lineSpacing() * 3 + 14)
            self.control_layout.addWidget(self.editor)
            self._add_input(self.editor)
            self.editor.textChanged.connect(self._on_editor_text_changed)

    def text(self) -> str:
        """The text shown."""
        if self.line is not None:
            return self.line.text()
        assert self.editor is not None
        return self.editor.toPlainText()

    def _show(self, value: AnswerValue | None) -> None:
        text = value if isinstance(value, str) else ""
        if self.line is not None:
            self.line.setText(text)
        elif self.editor is not None and self.editor.toPlainText() != text:
            self.editor.setPlainText(text)

    @Slot(str)
    def _on_line_text_edited(self, text: str) -> None:
        self._emit(text if text.strip() else None, False)

    @Slot()
    def _on_editor_text_changed(self) -> None:
        text = self.text()
        self._emit(text if text.strip() else None, False)


class LineValueField(ItemField):
    """A one-line entry (number, date, date and time) checked by the service when saved."""

    def _build(self) -> None:
        row = QHBoxLayout()
        row.setSpacing(6)
        self.line = QLineEdit(self.control)
        row.addWidget(self.line, 1)
        self._add_input(self.line)
        self.unit_label: QLabel | None = None
        self.today_button: QToolButton | None = None
        self._configure(row)
        self.control_layout.addLayout(row)
        self.line.textEdited.connect(self._on_line_text_edited)

    def _configure(self, row: QHBoxLayout) -> None:
        raise NotImplementedError

    def _stored_text(self, text: str) -> str:
        return text

    def _show(self, value: AnswerValue | None) -> None:
        if value is None:
            self.line.clear()
        elif isinstance(value, Decimal):
            self.line.setText(number_text(value, self.language))
        else:
            self.line.setText(str(value).replace("T", " "))

    @Slot(str)
    def _on_line_text_edited(self, text: str) -> None:
        stripped = text.strip()
        self._emit(self._stored_text(stripped) if stripped else None, False)


class NumberField(LineValueField):
    """A number with its unit."""

    def _configure(self, row: QHBoxLayout) -> None:
        self.line.setValidator(QRegularExpressionValidator(_NUMBER, self.line))
        self.line.setMaximumWidth(160)
        if self.item.unit:
            self.unit_label = QLabel(unit_text(self.item.unit, self.language), self.control)
            self.unit_label.setObjectName("unitLabel")
            row.addWidget(self.unit_label)
        row.addStretch(1)


class DateField(LineValueField):
    """A date typed as YYYY-MM-DD (or YYYY-MM / YYYY where allowed), with a Today button."""

    def _configure(self, row: QHBoxLayout) -> None:
        self.line.setValidator(QRegularExpressionValidator(_DATE, self.line))
        self.line.setMaximumWidth(160)
        self.line.setPlaceholderText(
            self.tr("YYYY-MM-DD, YYYY-MM or YYYY")
            if self.item.allow_partial_date
            else self.tr("YYYY-MM-DD")
        )
        if self.item.allow_partial_date:
            self.line.setMaximumWidth(220)
        self.today_button = QToolButton(self.control)
        self.today_button.setText(self.tr("Today"))
        self.today_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._add_input(self.today_button, self.tr("%1: today").replace("%1", self.label_text))
        self.today_button.clicked.connect(self._on_today_button_clicked)
        row.addWidget(self.today_button)
        row.addStretch(1)

    @Slot()
    def _on_today_button_clicked(self) -> None:
        today = date.today().isoformat()
        self.line.setText(today)
        self._emit(today, True)


class DateTimeField(LineValueField):
    """A date and time typed as YYYY-MM-DD HH:MM."""

    def _configure(self, row: QHBoxLayout) -> None:
        self.line.setValidator(QRegularExpressionValidator(_DATETIME, self.line))
        self.line.setMaximumWidth(180)
        self.line.setPlaceholderText(self.tr("YYYY-MM-DD HH:MM"))
        row.addStretch(1)

    def _stored_text(self, text: str) -> str:
        return text.replace(" ", "T", 1)


FIELD_CLASSES: dict[ItemKind, type[ItemField]] = {
    ItemKind.CHECK: CheckField,
    ItemKind.YNU: YnuField,
    ItemKind.YNU_DETAILS: YnuDetailsField,
    ItemKind.SINGLE: SingleField,
    ItemKind.MULTI: MultiField,
    ItemKind.TEXT: TextField,
    ItemKind.NUMBER: NumberField,
    ItemKind.DATE: DateField,
    ItemKind.DATETIME: DateTimeField,
}


def code_line(item: Item) -> str:
    """The item's codes as 'LOINC 24356-8 · SNOMED CT 1234' (empty when it has none)."""
    return " · ".join(f"{code.system_name} {code.code}" for code in item.codes)


class OrderField(QWidget):
    """An order: state, date and note, its codes and the patient instructions.

    `order_edited(item_id, state, immediate)` reports a user edit; state None clears it.
    """

    order_edited = Signal(str, object, bool)

    STATUSES: tuple[OrderStatus | None, ...] = (
        None,
        OrderStatus.ORDERED,
        OrderStatus.DONE_ELSEWHERE,
        OrderStatus.NOT_INDICATED,
        OrderStatus.DECLINED,
    )

    def __init__(
        self,
        item: Item,
        language: str,
        default_date: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.item = item
        self.language = language
        self.label_text = item.label.get(language)
        self._default_date = default_date
        self._loading = False
        self.setObjectName("orderField")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 4, 0, 4)
        frame = QFrame(self)
        frame.setObjectName("orderFrame")
        outer.addWidget(frame)
        grid = QGridLayout(frame)
        grid.setContentsMargins(12, 10, 12, 10)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(0, 1)
        self.label = QLabel(self.label_text + (" *" if item.required else ""), frame)
        self.label.setWordWrap(True)
        self.label.setObjectName("orderLabel")
        grid.addWidget(self.label, 0, 0)
        codes = code_line(item)
        self.codes_label = QLabel(codes, frame)
        self.codes_label.setObjectName("helpText")
        self.codes_label.setVisible(bool(codes))
        self.codes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.codes_label, 1, 0)

        self.state_combo = QComboBox(frame)
        words = {
            None: "—",
            OrderStatus.ORDERED: self.tr("Ordered"),
            OrderStatus.DONE_ELSEWHERE: self.tr("Done elsewhere"),
            OrderStatus.NOT_INDICATED: self.tr("Not indicated"),
            OrderStatus.DECLINED: self.tr("Declined by patient"),
        }
        for status in self.STATUSES:
            self.state_combo.addItem(words[status], status.value if status else None)
        self.state_combo.setAccessibleName(self.label_text)
        self.state_combo.setFixedWidth(CONTROL_WIDTH)
        grid.addWidget(self.state_combo, 0, 1, Qt.AlignmentFlag.AlignTop)

        self.details = QWidget(frame)
        details = QGridLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.setHorizontalSpacing(8)
        self.date_caption = QLabel(self.tr("Date ordered"), self.details)
        self.date_edit = QLineEdit(self.details)
        self.date_edit.setValidator(QRegularExpressionValidator(_DATE, self.date_edit))
        self.date_edit.setPlaceholderText(self.tr("YYYY-MM-DD"))
        self.date_edit.setMaximumWidth(130)
        self.date_edit.setAccessibleName(self.tr("%1: date").replace("%1", self.label_text))
        self.date_caption.setBuddy(self.date_edit)
        note_caption = QLabel(
            self.tr("Specify / note")
            if item.kind is ItemKind.TEXT
            else self.tr("Note for the performer"),
            self.details,
        )
        self.note_edit = QLineEdit(self.details)
        self.note_edit.setAccessibleName(self.tr("%1: note").replace("%1", self.label_text))
        note_caption.setBuddy(self.note_edit)
        details.addWidget(self.date_caption, 0, 0)
        details.addWidget(self.date_edit, 0, 1, Qt.AlignmentFlag.AlignLeft)
        details.addWidget(note_caption, 1, 0)
        details.addWidget(self.note_edit, 1, 1)
        details.setColumnStretch(1, 1)
        self.details.setFixedWidth(CONTROL_WIDTH)
        grid.addWidget(self.details, 1, 1, 2, 1, Qt.AlignmentFlag.AlignTop)

        self.instructions_button: QToolButton | None = None
        self.instructions_label: QLabel | None = None
        if item.instructions:
            self.instructions_button = QToolButton(frame)
            self.instructions_button.setText(self.tr("Patient instructions"))
            self.instructions_button.setCheckable(True)
            self.instructions_button.setAutoRaise(True)
            self.instructions_button.setArrowType(Qt.ArrowType.RightArrow)
            self.instructions_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.instructions_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.instructions_button.setAccessibleName(
                self.tr("%1: patient instructions").replace("%1", self.label_text)
            )
            self.instructions_label = QLabel(frame)
            self.instructions_label.setObjectName("instructions")
            self.instructions_label.setWordWrap(True)
            self.instructions_label.setTextFormat(Qt.TextFormat.PlainText)
            self.instructions_label.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
            )
            self.instructions_label.setVisible(False)
            grid.addWidget(self.instructions_button, 2, 0, Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(self.instructions_label, 3, 0, 1, 2)
            self.instructions_button.toggled.connect(self._on_instructions_button_toggled)

        self.error_label = QLabel(frame)
        self.error_label.setObjectName("inputError")
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        grid.addWidget(self.error_label, 4, 0, 1, 2)
        self.inputs: list[QWidget] = [self.state_combo, self.date_edit, self.note_edit]
        self._update_details()
        self.state_combo.activated.connect(self._on_state_combo_activated)
        self.date_edit.textEdited.connect(self._on_detail_text_edited)
        self.note_edit.textEdited.connect(self._on_detail_text_edited)

    def set_default_date(self, value: Any) -> None:
        """The date filled in when the order is placed (the visit date)."""
        self._default_date = value

    def status(self) -> OrderStatus | None:
        """The chosen status."""
        data = self.state_combo.currentData()
        return OrderStatus(data) if data else None

    def set_state(self, state: OrderState | None) -> None:
        """Show `state` without reporting an edit."""
        self._loading = True
        try:
            value = state.status.value if state else None
            self.state_combo.setCurrentIndex(max(self.state_combo.findData(value), 0))
            self.date_edit.setText(state.date.isoformat() if state and state.date else "")
            self.note_edit.setText(state.note if state else "")
            self._update_details()
        finally:
            self._loading = False

    def set_error(self, message: str) -> None:
        """Show an input problem next to the order (empty hides it)."""
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def set_read_only(self, read_only: bool) -> None:
        """Disable the state, date and note."""
        for widget in self.inputs:
            widget.setEnabled(not read_only)

    def focus_input(self) -> None:
        """Focus the state selector."""
        self.state_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_details(self) -> None:
        status = self.status()
        self.details.setVisible(status is not None)
        self.date_caption.setText(
            self.tr("Date done") if status is OrderStatus.DONE_ELSEWHERE else self.tr("Date")
        )

    def draft(self) -> OrderEntry | None:
        """What the order shows, before its date is checked (None: no state)."""
        status = self.status()
        if status is None:
            return None
        return OrderEntry(status, self.date_edit.text().strip(), self.note_edit.text())

    def _report(self, immediate: bool) -> None:
        if not self._loading:
            self.order_edited.emit(self.item.id, self.draft(), immediate)

    @Slot(int)
    def _on_state_combo_activated(self, _index: int) -> None:
        status = self.status()
        if status is OrderStatus.ORDERED and not self.date_edit.text().strip():
            default = self._default_date or date.today().isoformat()
            self.date_edit.setText(str(default))
        if status is OrderStatus.DONE_ELSEWHERE and self.date_edit.text().strip():
            self.date_edit.clear()
        self._update_details()
        self._report(True)

    @Slot(str)
    def _on_detail_text_edited(self, _text: str) -> None:
        self._report(False)

    def set_instructions(self, text: str) -> None:
        """Show `text` as the patient instructions (placeholders already filled in)."""
        if self.instructions_label is not None and self.instructions_label.text() != text:
            self.instructions_label.setText(text)

    @Slot(bool)
    def _on_instructions_button_toggled(self, shown: bool) -> None:
        assert self.instructions_label is not None
        assert self.instructions_button is not None
        self.instructions_label.setVisible(shown)
        self.instructions_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
