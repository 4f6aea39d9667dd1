"""Reading scanned workup sheets: page images, QR codes, registration marks and tick boxes.

No Qt here: the scanned pages, boxes and crops are plain data a review screen can show.
"""

from app.scan.answers import ItemReading, ItemState, read_items
from app.scan.errors import ScanError
from app.scan.images import ScanImage, decode_image, load_pages
from app.scan.reader import (
    READ_DPI,
    AreaCrop,
    BoxReading,
    BoxState,
    LayoutFor,
    PageReading,
    read_page,
)
from app.scan.sheet import ScannedSheet, ScanProblems, read_files, read_images

__all__ = [
    "READ_DPI",
    "AreaCrop",
    "BoxReading",
    "BoxState",
    "ItemReading",
    "ItemState",
    "LayoutFor",
    "PageReading",
    "ScanError",
    "ScanImage",
    "ScanProblems",
    "ScannedSheet",
    "decode_image",
    "load_pages",
    "read_files",
    "read_images",
    "read_items",
    "read_page",
]
