"""Printing a PDF made by the services: its page images, one per sheet, through Qt's printer."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

from app.domain.vocabulary import Paper

PAGE_SIZES: dict[str, QPageSize.PageSizeId] = {
    Paper.A4: QPageSize.PageSizeId.A4,
    Paper.LETTER: QPageSize.PageSizeId.Letter,
}


def page_images(pages: list[bytes]) -> list[QImage]:
    """Decode the PNG page images."""
    images = []
    for data in pages:
        image = QImage()
        if not image.loadFromData(data, "PNG"):
            raise ValueError("a page image could not be decoded")
        images.append(image)
    return images


def make_printer(paper: str) -> QPrinter:
    """A high-resolution printer set to the paper size, with no margins added by Qt."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(PAGE_SIZES.get(paper, QPageSize.PageSizeId.A4)))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    return printer


def paint_pages(printer: QPrinter, images: list[QImage]) -> int:
    """Draw each page image on its own sheet, scaled to fit and centred; return the count."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        for number, image in enumerate(images):
            if number:
                printer.newPage()
            area = printer.pageLayout().fullRectPixels(printer.resolution())
            scaled = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            left = area.x() + (area.width() - scaled.width()) // 2
            top = area.y() + (area.height() - scaled.height()) // 2
            painter.drawImage(QRect(left, top, scaled.width(), scaled.height()), image)
    finally:
        painter.end()
    return len(images)
