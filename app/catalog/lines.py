"""Line numbers of tables, keys and array elements in a TOML text (tomllib gives none)."""

from __future__ import annotations

import bisect
import contextlib

Path = tuple[str | int, ...]
"""Where a value sits in the parsed document: table keys and array indices."""

_BARE_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_SCALAR_END = frozenset(",]}\n#")


class _ScanStop(Exception):
    """The scanner met something it does not understand; it keeps what it found so far."""


class LineIndex:
    """The line where each table, key and array element of a TOML text begins.

    The scanner follows the TOML grammar loosely (it only needs to find where things
    start, and runs on text that tomllib has already accepted). Whatever it cannot
    place falls back to the line of the nearest enclosing table, or to line 1.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[Path, int] = {}
        scanner = _Scanner(text, self._lines)
        # on a surprise keep the lines found so far; lookups fall back to parents
        with contextlib.suppress(_ScanStop):
            scanner.run()

    def line(self, path: Path) -> int:
        """The line of `path`, or of its nearest recorded ancestor, or 1."""
        for end in range(len(path), 0, -1):
            found = self._lines.get(path[:end])
            if found is not None:
                return found
        return 1

    def exact(self, path: Path) -> int | None:
        """The line of `path` itself, when the scanner found it."""
        return self._lines.get(path)


class _Scanner:
    """A small recursive-descent walk over TOML text that records where things start."""

    def __init__(self, text: str, lines: dict[Path, int]) -> None:
        self.text = text
        self.pos = 0
        self.lines = lines
        self.newlines = [index for index, char in enumerate(text) if char == "\n"]
        self.array_sizes: dict[Path, int] = {}
        self.table: Path = ()

    # -- helpers -------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def line_here(self) -> int:
        return bisect.bisect_left(self.newlines, self.pos) + 1

    def record(self, path: Path, line: int) -> None:
        self.lines.setdefault(path, line)

    def skip_blanks(self, newlines: bool) -> None:
        """Skip spaces (and newlines and comments when `newlines`)."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t" or (newlines and char in "\r\n"):
                self.pos += 1
            elif newlines and char == "#":
                self.skip_line()
            else:
                return

    def skip_line(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end + 1

    def expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise _ScanStop
        self.pos += len(token)

    # -- strings and keys ------------------------------------------------------------------

    def skip_string(self) -> str:
        """Skip a string of any of the four kinds; return its raw text with quotes."""
        start = self.pos
        quote = self.peek()
        triple = quote * 3
        if self.text.startswith(triple, self.pos):
            self.pos += 3
            while True:
                if self.pos >= len(self.text):
                    raise _ScanStop
                if quote == '"' and self.peek() == "\\":
                    self.pos += 2
                elif self.text.startswith(triple, self.pos):
                    self.pos += 3
                    extra = 0
                    while extra < 2 and self.peek() == quote:  # up to two quotes end the text
                        self.pos += 1
                        extra += 1
                    return self.text[start : self.pos]
                else:
                    self.pos += 1
        self.pos += 1
        while True:
            char = self.peek()
            if char in ("", "\n"):
                raise _ScanStop
            if quote == '"' and char == "\\":
                self.pos += 2
                continue
            self.pos += 1
            if char == quote:
                return self.text[start : self.pos]

    def parse_key(self) -> tuple[str, ...]:
        """A bare, quoted or dotted key."""
        parts: list[str] = []
        while True:
            self.skip_blanks(newlines=False)
            char = self.peek()
            if char in ('"', "'"):
                raw = self.skip_string()
                parts.append(_decode_key(raw))
            else:
                start = self.pos
                while self.peek() and self.peek() in _BARE_KEY_CHARS:
                    self.pos += 1
                if self.pos == start:
                    raise _ScanStop
                parts.append(self.text[start : self.pos])
            self.skip_blanks(newlines=False)
            if self.peek() != ".":
                return tuple(parts)
            self.pos += 1

    # -- document structure ------------------------------------------------------------

    def run(self) -> None:
        while True:
            self.skip_blanks(newlines=True)
            if self.pos >= len(self.text):
                return
            line = self.line_here()
            if self.text.startswith("[[", self.pos):
                self.pos += 2
                keys = self.parse_key()
                self.expect("]]")
                self.open_table(keys, line, array=True)
            elif self.peek() == "[":
                self.pos += 1
                keys = self.parse_key()
                self.expect("]")
                self.open_table(keys, line, array=False)
            else:
                keys = self.parse_key()
                self.expect("=")
                self.record_key(self.table, keys, line)
                self.skip_blanks(newlines=False)
                self.parse_value(self.table + keys)

    def open_table(self, keys: tuple[str, ...], line: int, array: bool) -> None:
        path: Path = ()
        for key in keys[:-1]:
            path = (*path, key)
            if path in self.array_sizes:  # a header inside the latest element of an array
                path = (*path, self.array_sizes[path] - 1)
            self.record(path, line)
        path = (*path, keys[-1])
        self.record(path, line)
        if array:
            index = self.array_sizes.get(path, 0)
            self.array_sizes[path] = index + 1
            path = (*path, index)
            self.record(path, line)
        self.table = path

    def record_key(self, table: Path, keys: tuple[str, ...], line: int) -> None:
        for end in range(1, len(keys) + 1):
            self.record(table + keys[:end], line)

    def parse_value(self, path: Path) -> None:
        char = self.peek()
        if char in ('"', "'"):
            self.skip_string()
        elif char == "[":
            self.pos += 1
            self.parse_array(path)
        elif char == "{":
            self.pos += 1
            self.parse_inline_table(path)
        else:
            start = self.pos
            while self.peek() and self.peek() not in _SCALAR_END:
                self.pos += 1
            if self.pos == start:
                raise _ScanStop

    def parse_array(self, path: Path) -> None:
        index = 0
        while True:
            self.skip_blanks(newlines=True)
            if self.peek() == "]":
                self.pos += 1
                return
            self.record((*path, index), self.line_here())
            self.parse_value((*path, index))
            index += 1
            self.skip_blanks(newlines=True)
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "]":
                raise _ScanStop

    def parse_inline_table(self, path: Path) -> None:
        while True:
            self.skip_blanks(newlines=True)
            if self.peek() == "}":
                self.pos += 1
                return
            line = self.line_here()
            keys = self.parse_key()
            self.expect("=")
            self.record_key(path, keys, line)
            self.skip_blanks(newlines=False)
            self.parse_value(path + keys)
            self.skip_blanks(newlines=True)
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "}":
                raise _ScanStop


def _decode_key(raw: str) -> str:
    """The name a quoted key stands for (escapes resolved the way tomllib does)."""
    if raw.startswith("'") or "\\" not in raw:
        return raw[1:-1]
    import tomllib  # only for a quoted key with escapes

    try:
        decoded = tomllib.loads(f"k = {raw}")["k"]
    except tomllib.TOMLDecodeError:
        return raw[1:-1]
    return decoded if isinstance(decoded, str) else raw[1:-1]
