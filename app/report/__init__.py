"""PDF documents: the encounter summary with patient instructions, and the blank workup sheet."""

from app.report.errors import ReportError, ReportWriteError
from app.report.files import write_pdf_atomically
from app.report.raster import render_pages
from app.report.sheet import SheetData, build_sheet_data, render_sheet, sheet_pdf
from app.report.summary_data import ClinicInfo, SummaryData, build_summary_data
from app.report.summary_pdf import render_summary, summary_pdf

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
    "sheet_pdf",
    "summary_pdf",
    "write_pdf_atomically",
]
