"""The shipped fonts: present with their licence, registered once."""

from __future__ import annotations

from pathlib import Path

from app.report.fonts import BOLD_FILE, REGULAR_FILE, default_fonts_dir, ensure_fonts

ROOT = Path(__file__).resolve().parents[2]


def test_fonts_and_licence_are_shipped() -> None:
    folder = ROOT / "resources" / "fonts"
    for name in (REGULAR_FILE, BOLD_FILE, "LICENSE-DejaVu.txt"):
        assert (folder / name).is_file()
    assert "Bitstream Vera" in (folder / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert not (folder / ".keep").exists()


def test_default_folder_holds_the_fonts() -> None:
    assert (default_fonts_dir() / REGULAR_FILE).is_file()


def test_registration_happens_once() -> None:
    first = ensure_fonts()
    second = ensure_fonts(Path("/nonexistent"))  # already registered: the folder is not read
    assert first is second
    assert first.can_draw(ord("Ж"))
    assert not first.can_draw(ord("😀"))
    assert not first.can_draw(0)
    assert first.printable("a😀\ud800b") == "a\ufffd\ufffdb"
