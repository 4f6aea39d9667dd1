"""Scanned files as page images: PDFs rasterised with pdftoppm, PNG, JPEG and TIFF decoded."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from app.scan.errors import ScanError

RENDERER = "pdftoppm"
PDF_DPI = 200
"""Resolution PDF pages are rasterised at: enough for boxes of 7.5 points and the QR code."""

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
MAX_FILE_BYTES = 200 * 1024 * 1024
"""A larger file is refused before it is read: no scan of a few sheets comes near it."""
MAX_PAGE_PIXELS = 120_000_000
"""A page image above this (an A4 page at 1200 dpi is 140 million) is refused: decoding a
deliberately huge image would exhaust memory."""
MAX_PAGES = 200

Gray = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class ScanImage:
    """One page of a scanned file: where it came from, as words for messages, and its pixels
    (8-bit grey)."""

    source: str
    pixels: Gray


def load_pages(path: Path, dpi: int = PDF_DPI, timeout: float = 300.0) -> list[ScanImage]:
    """Every page of the scanned file `path` as a grey image; ScanError with one line when
    the file cannot be read."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ScanError(f"{path}: cannot read the file: {error.strerror}") from error
    if not path.is_file():
        raise ScanError(f"{path}: not a file")
    if size > MAX_FILE_BYTES:
        raise ScanError(f"{path}: the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        with path.open("rb") as stream:
            head = stream.read(8)
    except OSError as error:
        raise ScanError(f"{path}: cannot read the file: {error.strerror}") from error
    if head.startswith(b"%PDF"):
        images = _pdf_pages(path, dpi, timeout)
    elif path.suffix.lower() in IMAGE_SUFFIXES or _is_image(head):
        images = _image_pages(path)
    else:
        raise ScanError(f"{path}: not a PDF, PNG, JPEG or TIFF file")
    if not images:
        raise ScanError(f"{path}: the file has no pages")
    if len(images) > MAX_PAGES:
        raise ScanError(f"{path}: more than {MAX_PAGES} pages")
    if len(images) == 1:
        return [ScanImage(str(path), images[0])]
    return [
        ScanImage(f"{path} page {number}", image) for number, image in enumerate(images, start=1)
    ]


def decode_image(data: bytes) -> Gray | None:
    """A PNG, JPEG or TIFF image in memory as grey pixels (None when it is not one)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)
    return None if image is None else _gray(image)


def _is_image(head: bytes) -> bool:
    return head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*"))


def _gray(image: object) -> Gray:
    """8-bit grey pixels of a decoded image (a 16-bit or colour TIFF page included)."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = (image / 257).astype(np.uint8)  # 16-bit samples to 8-bit
    if image.ndim == 3:
        image = cv2.cvtColor(
            image, cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        )
    if image.ndim != 2 or image.shape[0] < 32 or image.shape[1] < 32:
        raise ValueError("not a page image")
    return np.ascontiguousarray(image, dtype=np.uint8)


def _image_pages(path: Path) -> list[Gray]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScanError(f"{path}: cannot read the file: {error.strerror}") from error
    _refuse_huge(path, data)
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        ok, images = cv2.imdecodemulti(buffer, cv2.IMREAD_GRAYSCALE)
        if not ok or not images:
            single = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)
            images = [] if single is None else [single]
        pages = [_gray(image) for image in images]
    except (cv2.error, ValueError) as error:
        raise ScanError(f"{path}: not a readable PNG, JPEG or TIFF image") from error
    if not pages:
        raise ScanError(f"{path}: not a readable PNG, JPEG or TIFF image")
    return pages


def _refuse_huge(path: Path, data: bytes) -> None:
    """ScanError when the image's header declares more pixels than a page can have (read
    from the header before decoding, which would allocate them)."""
    width, height = _declared_size(data)
    if width * height > MAX_PAGE_PIXELS:
        raise ScanError(f"{path}: the image is too large ({width} × {height} pixels)")


def _declared_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG or JPEG header; (0, 0) when not found (OpenCV's own limit
    of 2^30 pixels then applies)."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
                height = int.from_bytes(data[index + 5 : index + 7], "big")
                width = int.from_bytes(data[index + 7 : index + 9], "big")
                return width, height
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                index += 2
                continue
            index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
    return 0, 0


def _pdf_pages(path: Path, dpi: int, timeout: float) -> list[Gray]:
    program = shutil.which(RENDERER)
    if program is None:
        raise ScanError(
            f"{path}: cannot read PDF files: {RENDERER} (Debian package poppler-utils) is not "
            "installed; scan to PNG, JPEG or TIFF instead"
        )
    with tempfile.TemporaryDirectory(prefix="workup-scan-") as folder:
        try:
            subprocess.run(
                [program, "-r", str(dpi), "-gray", "-png", str(path), str(Path(folder) / "p")],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.CalledProcessError as error:
            raise ScanError(f"{path}: not a readable PDF file") from error
        except (OSError, subprocess.SubprocessError) as error:
            raise ScanError(f"{path}: cannot rasterise the PDF: {error}") from error
        pages = sorted(
            Path(folder).glob("p-*.png"), key=lambda page: int(page.stem.rsplit("-", 1)[1])
        )
        images: list[Gray] = []
        for page in pages:
            image = cv2.imread(str(page), cv2.IMREAD_GRAYSCALE)
            if image is None:
                raise ScanError(f"{path}: a page of the PDF cannot be rasterised")
            images.append(_gray(image))
        return images
