"""Exchange formats: the JSON encounter document and the FHIR export.

See docs/encounter-document.md and docs/fhir.md.
"""

from app.interop.document import (
    FORMAT,
    FORMAT_VERSION,
    DocumentError,
    ExportError,
    InteropError,
    document_to_encounter,
    dumps,
    encounter_to_document,
    loads,
)
from app.interop.fhir import (
    FHIR_VERSION,
    encounter_bundle,
    encounter_bundle_json,
    questionnaire_canonical,
    questionnaire_response_answers,
    questionnaire_response_orders,
    questionnaire_url,
    workflow_questionnaire,
    workflow_questionnaire_json,
)

__all__ = [
    "FHIR_VERSION",
    "FORMAT",
    "FORMAT_VERSION",
    "DocumentError",
    "ExportError",
    "InteropError",
    "document_to_encounter",
    "dumps",
    "encounter_bundle",
    "encounter_bundle_json",
    "encounter_to_document",
    "loads",
    "questionnaire_canonical",
    "questionnaire_response_answers",
    "questionnaire_response_orders",
    "questionnaire_url",
    "workflow_questionnaire",
    "workflow_questionnaire_json",
]
