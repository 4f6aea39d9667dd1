"""Messages of the service and domain layers, shown in the interface language.

Errors made from a template carry it with their values; the templates are marked here for
lupdate under the context "messages" (never called), and `error_message` looks them up.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.domain.errors import fill_template

CONTEXT = "messages"

MESSAGE_TEMPLATES = (
    QT_TRANSLATE_NOOP("messages", "expects text"),
    QT_TRANSLATE_NOOP("messages", "text is longer than {limit} characters"),
    QT_TRANSLATE_NOOP("messages", "text holds a NUL character"),
    QT_TRANSLATE_NOOP("messages", "expects a date as YYYY-MM-DD"),
    QT_TRANSLATE_NOOP("messages", "{value} is not a calendar date"),
    QT_TRANSLATE_NOOP("messages", "{value} is in the future"),
    QT_TRANSLATE_NOOP("messages", "{value} is not a valid month or year"),
    QT_TRANSLATE_NOOP("messages", "{value} is not a date as {wanted}"),
    QT_TRANSLATE_NOOP("messages", "expects a date and time as YYYY-MM-DDTHH:MM"),
    QT_TRANSLATE_NOOP("messages", "{value} is not a valid date and time"),
    QT_TRANSLATE_NOOP("messages", "expects a number"),
    QT_TRANSLATE_NOOP("messages", "{value} is not a number"),
    QT_TRANSLATE_NOOP("messages", "{value} is not a finite number"),
    QT_TRANSLATE_NOOP("messages", "{value} is below the lowest possible value {limit}"),
    QT_TRANSLATE_NOOP("messages", "{value} is above the highest possible value {limit}"),
    QT_TRANSLATE_NOOP("messages", "{value} has more than {limit} decimal places"),
    QT_TRANSLATE_NOOP(
        "messages", "{value} has more than {digits} digits or is beyond 1e{exponent}"
    ),
    QT_TRANSLATE_NOOP("messages", "expects ticked (true) or not ticked (false)"),
    QT_TRANSLATE_NOOP("messages", "expects one of {choices}, not {value}"),
    QT_TRANSLATE_NOOP("messages", "expects a Yes/No/Unknown answer with details"),
    QT_TRANSLATE_NOOP("messages", "{value} is not one of its options"),
    QT_TRANSLATE_NOOP("messages", "expects a list of options"),
    QT_TRANSLATE_NOOP("messages", "has an unknown kind {kind}"),
    QT_TRANSLATE_NOOP("messages", "expects an object with 'choice' and 'details'"),
    QT_TRANSLATE_NOOP("messages", 'expects a number written as a string such as "12.5"'),
    QT_TRANSLATE_NOOP("messages", "the family name is empty"),
    QT_TRANSLATE_NOOP("messages", "the given name is empty"),
    QT_TRANSLATE_NOOP("messages", "the date of birth is in the future"),
    QT_TRANSLATE_NOOP("messages", "the date of birth is before 1900"),
    QT_TRANSLATE_NOOP("messages", "the chart number is longer than 64 characters"),
    QT_TRANSLATE_NOOP("messages", "chart number {chart} is already in use"),
    QT_TRANSLATE_NOOP("messages", "the clinician's name is empty"),
    QT_TRANSLATE_NOOP("messages", "the note is longer than 100000 characters"),
    QT_TRANSLATE_NOOP("messages", "the date it was done is in the future"),
    QT_TRANSLATE_NOOP("messages", "the signing clinician's name is empty"),
    QT_TRANSLATE_NOOP("messages", "an amendment needs a reason"),
    QT_TRANSLATE_NOOP("messages", "enter the date as YYYY-MM-DD"),
    QT_TRANSLATE_NOOP("messages", "item {item} was changed by {who} at {when}"),
    QT_TRANSLATE_NOOP(
        "messages",
        "the workup was changed after it was shown; it is shown again as stored: "
        "review the changes, then sign",
    ),
)


def error_message(error: Exception) -> str:
    """The error's message in the interface language where it was made from a template."""
    template = getattr(error, "template", None)
    params = getattr(error, "params", None)
    if not isinstance(template, str) or not template or not isinstance(params, dict):
        return str(error)
    return fill_template(QCoreApplication.translate(CONTEXT, template), params)
