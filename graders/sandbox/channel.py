"""The pipes between the runner and one worker: requests, replies and alarms.

Three pipes per worker (``worker.py``'s ``--requests``, ``--replies`` and ``--alarms``),
one JSON document per line on the first two. What is read is bounded: a reply line over
:data:`MAX_REPLY_BYTES` or one that is not JSON is no reply (``failure`` says why), and
the guard's alarm lines (short, whole, written at once) are read without ever blocking; a
partial or overlong line there was written by someone else, and is itself a violation.
Nothing here blocks past a deadline: a worker may stop reading or writing at any time.
"""

from __future__ import annotations

import json
import os
import select
import selectors
import time
from collections.abc import Callable

from graders.sandbox.protocol import clean_text

#: A reply larger than this is not plain data about a few compositions: treat it as an attack.
MAX_REPLY_BYTES = 8 * 1024 * 1024
#: The longest line the worker's guard writes: 200 characters of UTF-8 and a line break.
MAX_ALARM_LINE = 4 * 200 + 1


class Channel:
    """The runner's ends of one worker's pipes (``worker_ends`` are the worker's, handed
    to it when it starts: :meth:`handed_over`)."""

    def __init__(self) -> None:
        requests_r, self.requests = os.pipe()
        self.replies, replies_w = os.pipe()
        self.alarms, alarms_w = os.pipe()
        #: The worker's ends: requests (read), replies (write), alarms (write).
        self.worker_ends = (requests_r, replies_w, alarms_w)
        os.set_blocking(self.alarms, False)
        self._replies_ready = select.poll()
        self._replies_ready.register(self.replies, select.POLLIN)
        self._buffer = bytearray()
        self._alarm_buffer = bytearray()
        #: Why the last reply did not come: ``timeout``, ``eof``, ``oversized``,
        #: ``garbage``, or empty.
        self.failure = ""

    @property
    def alarm_number(self) -> int:
        """The alarm pipe's descriptor in the worker (the same number as here)."""
        return self.worker_ends[2]

    def alarm_pipe(self) -> str:
        """The alarm pipe as ``/proc/PID/fd`` links name it (``pipe:[inode]``)."""
        return f"pipe:[{os.fstat(self.alarms).st_ino}]"

    def handed_over(self) -> None:
        """The worker has its ends (or never will): close them here."""
        for fd in self.worker_ends:
            _close(fd)
        os.set_blocking(self.requests, False)

    def close(self) -> None:
        for fd in (self.requests, self.replies, self.alarms):
            _close(fd)

    def read_alarms(self, *, answered: bool = False) -> set[str]:
        """What the worker's guard reported since (one line each), as violations. The
        pipe closed under a worker that has just ``answered`` is itself a violation: only
        the submission could have closed it (a worker that died closes it too)."""
        violations: set[str] = set()
        drained = False
        while len(self._alarm_buffer) < 64 * 1024:
            try:
                chunk = os.read(self.alarms, 1 << 16)
            except (BlockingIOError, OSError):
                drained = True
                break
            if not chunk:
                if answered:
                    violations.add("closed the pipe the worker reports on")
                break
            self._alarm_buffer += chunk
        *lines, rest = self._alarm_buffer.split(b"\n")
        self._alarm_buffer = bytearray(rest)
        for line in lines[:50]:
            if line.strip():
                violations.add(clean_text(line.decode("utf-8", "replace"), 200))
        if any(not line.strip() for line in lines):  # the guard never writes an empty line
            violations.add("wrote into the pipe the worker reports on")
        # The guard writes whole lines of at most a few hundred bytes, each at once (a
        # pipe never splits so small a write): part of a line left once the pipe is
        # empty, or a longer one, was written by someone else (to fill the pipe, so that
        # the guard's own writes fail, or this buffer, so that nothing more is read).
        if rest and (drained or len(rest) > MAX_ALARM_LINE):
            violations.add("wrote into the pipe the worker reports on")
            self._alarm_buffer = bytearray()
        return violations

    def exchange(
        self, message: bytes, deadline: float, meanwhile: Callable[[], object] | None = None
    ) -> dict | None:
        """Send one request and read its reply (None: no reply by the deadline, or none
        that is JSON), doing ``meanwhile`` (see ``Runner.run``) in between."""
        self.failure = ""
        try:
            self.send(message, deadline)
        except OSError:
            return None
        if meanwhile is not None:
            started = time.monotonic()
            meanwhile()  # if it raises, the runner closes the worker: its reply is on its way
            # Our own work is not the student's time (on one core it is shared).
            deadline += time.monotonic() - started
        try:
            return self.receive(deadline - time.monotonic())
        except OSError:
            return None

    def send(self, data: bytes, deadline: float) -> None:
        """Write a request without ever blocking past the deadline (a worker may stop reading)."""
        try:  # the pipe is non-blocking: most requests fit at once
            view = memoryview(data)[os.write(self.requests, data) :]
        except BlockingIOError:
            view = memoryview(data)
        if not view:
            return
        with selectors.DefaultSelector() as selector:
            selector.register(self.requests, selectors.EVENT_WRITE)
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.failure = "timeout"
                    raise OSError("request not accepted in time")
                if selector.select(remaining):
                    view = view[os.write(self.requests, view) :]

    def receive(self, timeout: float) -> dict | None:
        """The next reply line, or None on time-out, death, or a reply that is not JSON."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            # poll() rather than a selector: one system call, no descriptor of its own.
            if not self._replies_ready.poll(max(remaining, 0) * 1000):
                if remaining <= 0:  # a reply already sent is read first
                    self.failure = "timeout"
                    return None
                continue
            chunk = os.read(self.replies, 1 << 20)
            if not chunk:
                self.failure = "eof"
                return None
            if len(self._buffer) + len(chunk) > MAX_REPLY_BYTES:
                self.failure = "oversized"
                return None
            self._buffer += chunk
        end = self._buffer.index(b"\n")
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError):  # deeply nested JSON raises RecursionError
            self.failure = "garbage"
            return None
        return reply if isinstance(reply, dict) else None


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
