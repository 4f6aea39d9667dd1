"""Writing PDFs atomically and reporting failures with what to do."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.report.errors import ReportError, ReportWriteError
from app.report.files import write_pdf_atomically


def test_writes_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.pdf"
    write_pdf_atomically(target, b"%PDF-1.4 data")
    assert target.read_bytes() == b"%PDF-1.4 data"
    assert [path.name for path in tmp_path.iterdir()] == ["summary.pdf"]


def test_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.pdf"
    target.write_bytes(b"old")
    write_pdf_atomically(target, b"new")
    assert target.read_bytes() == b"new"


def test_missing_folder_names_path_and_remedy(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "summary.pdf"
    with pytest.raises(ReportWriteError) as caught:
        write_pdf_atomically(target, b"data")
    message = str(caught.value)
    assert str(target) in message
    assert "folder does not exist; choose an existing folder" in message
    assert "\n" not in message
    assert isinstance(caught.value, ReportError)
    assert not target.parent.exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_folder_leaves_no_file(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ReportWriteError, match="permission denied"):
            write_pdf_atomically(folder / "summary.pdf", b"data")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_failure_while_replacing_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "summary.pdf"
    target.write_bytes(b"previous")

    def refuse(source: str, destination: object) -> None:
        raise PermissionError(13, "Permission denied", str(destination))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ReportWriteError, match=r"cannot write .*summary\.pdf: permission denied"):
        write_pdf_atomically(target, b"new")
    assert target.read_bytes() == b"previous"
    assert [path.name for path in tmp_path.iterdir()] == ["summary.pdf"]


def test_parent_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportWriteError, match="not a folder"):
        write_pdf_atomically(blocker / "summary.pdf", b"data")


def test_read_only_disk_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Works when the tests run as root too, where folder permissions do not apply.
    import errno
    import tempfile

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    target = tmp_path / "summary.pdf"
    with pytest.raises(ReportWriteError, match="read-only; choose another folder"):
        write_pdf_atomically(target, b"data")
    assert list(tmp_path.iterdir()) == []
