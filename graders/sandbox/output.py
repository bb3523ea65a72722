"""What a submission prints: one file per worker, emptied between requests, its tail kept.

The worker's stdout and stderr are a file the runner opens and the worker appends to
(never a pipe: printing cannot block or corrupt a reply). ``RLIMIT_FSIZE`` caps it
(``output_bytes``), and emptying it before every request makes that limit per request: a
flood in one call kills the worker with SIGXFSZ, while debugging prints spread over many
calls cost nothing. The last :data:`OUTPUT_TAIL` bytes are kept for the report, read only
through the runner's own handle, and shown with control characters removed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from graders.sandbox.protocol import printable

#: The most of what a submission printed that the report keeps.
OUTPUT_TAIL = 2000


class CapturedOutput:
    """The file at ``path`` a worker prints to, and the tail of what was printed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO | None = None
        self._before = b""

    def open(self) -> BinaryIO:
        """The file, for a new worker's stdout and stderr (opened once, kept across
        workers), emptied."""
        if self._file is None:
            self._file = open(self.path, "a+b")  # noqa: SIM115 - kept open across workers
        self.empty()
        return self._file

    def empty(self) -> None:
        """Empty the file (its tail is kept): the output limit starts again."""
        if self._file is None:
            return
        self._before = (self._before + self._current())[-OUTPUT_TAIL:]
        os.ftruncate(self._file.fileno(), 0)

    def forget(self) -> None:
        """Start a new tail (each part's report shows what it printed)."""
        self._before = b""

    def size(self) -> int:
        """Bytes printed since the file was last emptied."""
        return os.fstat(self._file.fileno()).st_size if self._file is not None else 0

    def tail(self, limit: int = OUTPUT_TAIL) -> str:
        """The last of what was printed, control characters removed (so it cannot redraw
        the terminal)."""
        data = (self._before + self._current())[-limit:]
        return printable(data.decode("utf-8", "replace"), keep_lines=True)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _current(self) -> bytes:
        if self._file is None:
            return b""
        size = os.fstat(self._file.fileno()).st_size
        start = max(0, size - OUTPUT_TAIL)
        return os.pread(self._file.fileno(), size - start, start)
