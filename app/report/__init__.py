"""PDF documents: the encounter summary with patient instructions, and the blank workup sheet.

The names below are loaded from their modules on first use, so that making a summary does
not load the sheet module and the other way round (see app.lazy: no module here may bear
one of these names).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import lazy_names

if TYPE_CHECKING:
    from app.report.errors import ReportError, ReportWriteError
    from app.report.files import write_pdf_atomically
    from app.report.raster import render_pages
    from app.report.sheet import (
        SheetData,
        build_sheet_data,
        render_sheet,
        sheet_layout,
        sheet_pdf,
    )
    from app.report.summary_data import ClinicInfo, SummaryData, build_summary_data
    from app.report.summary_render import render_summary, summary_pdf

_MODULES = {
    "ClinicInfo": "summary_data",
    "ReportError": "errors",
    "ReportWriteError": "errors",
    "SheetData": "sheet",
    "SummaryData": "summary_data",
    "build_sheet_data": "sheet",
    "build_summary_data": "summary_data",
    "render_pages": "raster",
    "render_sheet": "sheet",
    "render_summary": "summary_render",
    "sheet_layout": "sheet",
    "sheet_pdf": "sheet",
    "summary_pdf": "summary_render",
    "write_pdf_atomically": "files",
}

__all__ = [
    "ClinicInfo",
    "ReportError",
    "ReportWriteError",
    "SheetData",
    "SummaryData",
    "build_sheet_data",
    "build_summary_data",
    "render_pages",
    "render_sheet",
    "render_summary",
    "sheet_layout",
    "sheet_pdf",
    "summary_pdf",
    "write_pdf_atomically",
]


__getattr__, __dir__ = lazy_names(__name__, globals(), _MODULES)
