"""Batch's side of the warm grading servers (``grading_server``): start one per thread that
grades, send it a grading, and trust only the reply to that request.

This module never imports the server's code (which imports the CLI); it starts it by name.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO


class Server:
    """The batch side: one server process, one grading at a time."""

    def __init__(self, env: dict[str, str]):
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-m", "graders.platforms.grading_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )

    def grade(
        self, argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float
    ) -> tuple[int | None, bool, bytes, bytes]:
        """``(exit status, timed out, stdout, stderr)`` of ``chaingrade`` run with ``argv``."""
        # A reply must carry the request's random id: a line a submission managed to write
        # into the server's output (as the same user, without a worker pool) cannot.
        request_id = secrets.token_hex(16)
        request = {"id": request_id, "argv": argv, "cwd": str(cwd), "env": env}
        stdin, stdout = self._pipes()
        stdin.write(json.dumps({**request, "timeout": timeout}) + "\n")
        stdin.flush()
        reply = stdout.readline()
        try:
            answer = json.loads(reply)
            if answer.get("id") != request_id:
                raise ValueError("not the reply to this request")
        except (ValueError, AttributeError):
            self.kill()  # its replies can no longer be trusted: the next job starts another
            raise RuntimeError("the grading server's reply was missing or not its own") from None
        out, err = answer["stdout"].encode(), answer["stderr"].encode()
        return answer["status"], answer["timed_out"], out, err

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        """The server's stdin and stdout (both pipes: opened with ``PIPE`` above)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        return self.process.stdin, self.process.stdout

    def close(self) -> None:
        try:
            self._pipes()[0].close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


class ServerPool:
    """One server per thread that asks (batch's pool threads, a Dask worker's threads)."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.local = threading.local()
        self.servers: list[Server] = []
        self.lock = threading.Lock()

    def server(self) -> Server:
        server = getattr(self.local, "server", None)
        if server is None or server.process.poll() is not None:
            server = Server(self.env)
            self.local.server = server
            with self.lock:
                self.servers.append(server)
        return server

    def close(self) -> None:
        with self.lock:
            for server in self.servers:
                server.close()
            self.servers.clear()
