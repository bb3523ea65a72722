"""Reading a hand-in within its limits: regular files only, beneath the folder handed in
(never through a link), counted against the ``files`` and ``source_bytes`` limits."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NoReturn

from graders.submission.handed_in import HandInError


class Budget:
    """The Python files and bytes a submission may still have copied."""

    def __init__(self, files: int, size: int):
        self.max_files, self.max_bytes = files, size
        self.files, self.bytes = 0, 0

    def read(
        self,
        path: Path,
        label: str,
        *,
        limit: int | None = None,
        counted: bool = True,
        beneath: Path | None = None,
    ) -> bytes:
        """``path``'s bytes: a regular file, reached from ``beneath`` (if given) without
        following a link at any step."""
        limit = self.max_bytes - self.bytes if limit is None else limit
        data = read_regular(path, label, limit, beneath)
        if data is None:
            if not counted:
                raise HandInError(f"{label} is larger than {limit} bytes")
            self._too_large()
        if counted:
            self.count(len(data))
        return data

    def count(self, size: int) -> None:
        self.files += 1
        self.bytes += size
        if self.files > self.max_files:
            raise HandInError(
                f"the submission has more than {self.max_files} Python files, the "
                f"assignment's limit ([limits] files): hand in the engine's own files"
            )
        if self.bytes > self.max_bytes:
            self._too_large()

    def _too_large(self) -> NoReturn:
        raise HandInError(
            f"the submission's Python source is larger than {self.max_bytes} bytes, the "
            "assignment's limit ([limits] source_bytes)"
        )


def read_regular(path: Path, label: str, limit: int, beneath: Path | None) -> bytes | None:
    """A regular file's bytes, or None if it holds more than ``limit``. Never follows a
    link (from ``beneath``, not one folder on the way either: a folder swapped for a link
    while the submission is read leads nowhere) and never blocks on a pipe."""
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    flags = os.O_RDONLY | nofollow | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = _open_beneath(path, beneath, flags) if beneath else os.open(path, flags)
    except OSError as e:
        raise HandInError(f"{label} could not be read: {e.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise HandInError(f"{label} is not a regular file")
        if info.st_size > limit:
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > limit else b"".join(chunks)
    finally:
        os.close(fd)


def _open_beneath(path: Path, folder: Path, flags: int) -> int:
    """Open ``path`` (inside ``folder``) one step at a time from ``folder``, following
    no link on the way."""
    *steps, last = path.relative_to(folder).parts
    into = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for step in steps:
            inner = os.open(step, into, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(last, flags, dir_fd=fd)
    finally:
        os.close(fd)
