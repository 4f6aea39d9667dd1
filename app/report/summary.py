"""The one way to make an encounter summary from outside app.report: `summary_pdf`, given
the clinic's `ClinicInfo`. How a summary is gathered (summary_data) and drawn
(summary_render) stays inside the package."""

from __future__ import annotations

from app.report.summary_data import ClinicInfo
from app.report.summary_render import summary_pdf

__all__ = ["ClinicInfo", "summary_pdf"]
