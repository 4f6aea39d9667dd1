"""Render the application icon's one SVG source to the sizes a desktop needs.

python packaging/render_icons.py OUT_DIR            hicolor PNGs: OUT_DIR/NxN/apps/NAME.png
python packaging/render_icons.py --ico FILE.ico     Windows icon (16 to 256 px)
python packaging/render_icons.py --icns FILE.icns   macOS icon
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "icons" / "ejaculatory-disorder-workup.svg"
NAME = "org.ejaculatory_disorder_workup.Workup"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The icon drawn at `size` x `size` pixels on a transparent ground."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main(argv: list[str]) -> int:
    """Write the icons asked for; 0 on success, 1 with one line on failure."""
    QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"render_icons: cannot read {SOURCE}", file=sys.stderr)
        return 1
    if len(argv) == 2 and argv[0] in ("--ico", "--icns"):
        target = Path(argv[1])
        target.parent.mkdir(parents=True, exist_ok=True)
        image = render(renderer, 256 if argv[0] == "--ico" else 512)
        if not image.save(str(target)):  # the format follows the suffix
            print(f"render_icons: cannot write {target}", file=sys.stderr)
            return 1
        return 0
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    for size in HICOLOR_SIZES:
        target = out / f"{size}x{size}" / "apps" / f"{NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(target)):
            print(f"render_icons: cannot write {target}", file=sys.stderr)
            return 1
    scalable = out / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(SOURCE.read_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
