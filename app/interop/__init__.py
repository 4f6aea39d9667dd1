"""Exchange formats: the JSON encounter document (see docs/encounter-document.md)."""

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

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "DocumentError",
    "ExportError",
    "InteropError",
    "document_to_encounter",
    "dumps",
    "encounter_to_document",
    "loads",
]
