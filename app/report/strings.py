"""Every fixed string printed in the PDFs, per language (procedural wording only)."""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.labels import ANSWER_LABELS, STATUS_LABELS
from app.domain.vocabulary import Language


def _labels(language: Language) -> dict[str, str]:
    """The status and Yes/No/Unknown words of `language`, as the domain defines them."""
    words = {
        f"status_{status.value}": label.get(language) for status, label in STATUS_LABELS.items()
    }
    words.update((answer, label.get(language)) for answer, label in ANSWER_LABELS.items())
    return words


STRINGS: dict[str, dict[str, str]] = {
    Language.EN: {
        "summary_title": "Ejaculatory disorder workup",
        "patient_copy_title": "Ejaculatory disorder workup: patient copy",
        "sheet_title": "Workup sheet",
        "clinician_signature": "Clinician's signature",
        "version": "version {version}",
        "patient": "Patient",
        "name": "Name",
        "birth_date": "Date of birth",
        "chart_number": "Chart number",
        "encounter": "Visit",
        "visit_date": "Visit date",
        "clinician": "Clinician",
        "follow_up": "Follow-up visit",
        "status": "Status",
        "draft_mark": "DRAFT",
        "draft_banner": "DRAFT: not finalized, not signed",
        "orders": "Orders",
        "orders_none": "No tests, studies or referrals were ordered.",
        "col_order": "Test, study or referral",
        "col_status_date": "Status and date",
        "col_codes": "Codes",
        "col_status": "Status",
        "col_note": "Note",
        "order_ordered": "Ordered",
        "order_done_elsewhere": "Done elsewhere",
        "order_not_indicated": "Not indicated",
        "order_declined": "Declined",
        "note_for_performer": "Note for the performer",
        "date_not_recorded": "date not recorded",
        "not_ordered": "Not ordered",
        "recorded": "Recorded history and examination",
        "recorded_none": "No history or examination answers were recorded.",
        "col_item": "Item",
        "col_recorded": "As recorded",
        "signature": "Signature",
        "signed_by": "Finalized and signed by",
        "signed_at": "Signed at",
        "sealed_digest": "Content SHA-256 (first 16 digits)",
        "not_signed": "Not signed yet.",
        "addenda": "Addenda",
        "addendum": "Addendum {seq}",
        "reason": "Reason",
        "opened_by": "Opened by",
        "opened_at": "Opened at",
        "addendum_signed_by": "Signed by",
        "instructions_title": "Patient instructions",
        "instructions_for": "Preparation and collection",
        "date": "Date",
        "page_of": "page {page} of {pages}",
        "footer_encounter": "Encounter {uid}, revision {revision}",
        "footer_generated": "Generated {time}",
        "unknown_short": "N/K",
        "details": "Details",
        "specify": "Specify",
        "note": "Note",
        "optional_section": "optional",
        "sheet_instructions": (
            "Tick one box per question unless several options apply; "
            "leave a question blank when it was not asked. N/K: not known."
        ),
        "months": "January February March April May June July August September October "
        "November December",
        **_labels(Language.EN),
    },
    Language.RU: {
        "summary_title": "Обследование при нарушениях эякуляции",
        "patient_copy_title": "Обследование при нарушениях эякуляции: экземпляр пациента",
        "sheet_title": "Лист обследования",
        "clinician_signature": "Подпись врача",
        "version": "версия {version}",
        "patient": "Пациент",
        "name": "ФИО",
        "birth_date": "Дата рождения",
        "chart_number": "Номер карты",
        "encounter": "Приём",
        "visit_date": "Дата приёма",
        "clinician": "Врач",
        "follow_up": "Повторный приём",
        "status": "Статус",
        "draft_mark": "ЧЕРНОВИК",
        "draft_banner": "ЧЕРНОВИК: не завершено, не подписано",
        "orders": "Назначения",
        "orders_none": "Исследования и направления не назначены.",
        "col_order": "Исследование или направление",
        "col_status_date": "Статус и дата",
        "col_codes": "Коды",
        "col_status": "Статус",
        "col_note": "Примечание",
        "order_ordered": "Назначено",
        "order_done_elsewhere": "Выполнено в другом месте",
        "order_not_indicated": "Нет показаний",
        "order_declined": "Отказ пациента",
        "note_for_performer": "Примечание для исполнителя",
        "date_not_recorded": "дата не указана",
        "not_ordered": "Не назначено",
        "recorded": "Записанные данные анамнеза и осмотра",
        "recorded_none": "Ответы по анамнезу и осмотру не записаны.",
        "col_item": "Пункт",
        "col_recorded": "Как записано",
        "signature": "Подпись",
        "signed_by": "Завершено и подписано",
        "signed_at": "Время подписи",
        "sealed_digest": "SHA-256 содержания (первые 16 знаков)",
        "not_signed": "Ещё не подписано.",
        "addenda": "Дополнения",
        "addendum": "Дополнение {seq}",
        "reason": "Причина",
        "opened_by": "Открыл(а)",
        "opened_at": "Время открытия",
        "addendum_signed_by": "Подписал(а)",
        "instructions_title": "Памятка для пациента",
        "instructions_for": "Подготовка и сбор материала",
        "date": "Дата",
        "page_of": "стр. {page} из {pages}",
        "footer_encounter": "Приём {uid}, редакция {revision}",
        "footer_generated": "Сформировано {time}",
        "unknown_short": "Н/д",
        "details": "Подробности",
        "specify": "Уточнить",
        "note": "Примечание",
        "optional_section": "необязательный раздел",
        "sheet_instructions": (
            "В каждом вопросе отметьте один вариант (или несколько, если вопрос это "
            "допускает); если вопрос не задавался, оставьте его без отметки. "
            "Н/д — нет данных."
        ),
        "months": "января февраля марта апреля мая июня июля августа сентября октября "
        "ноября декабря",
        **_labels(Language.RU),
    },
}


def strings_for(language: str) -> Mapping[str, str]:
    """The strings of `language`, falling back to English for unknown languages."""
    return STRINGS.get(language, STRINGS[Language.EN])
