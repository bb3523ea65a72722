"""A warm grading process for batch: chaingrade's imports paid once, not per submission.

Starting Python and importing chaingrade, MyGrad and Hypothesis takes about half a second,
as long as grading a small submission. Batch keeps one server per parallel job; for each
submission the server forks a child that runs ``chaingrade grade`` (``cli.main``) exactly
as the command would, with its own folder, environment and output pipes, in a session of
its own. The server waits for it with the batch's time-out and kills its whole tree when
it runs over, so one submission's grading still cannot outlive its time or touch
another's. The server itself runs no student code: the child's grading starts sandboxed
workers, as ``chaingrade grade`` always does.

Protocol, one JSON document per line: a request ``{"id", "argv", "cwd", "env", "timeout"}``
gets ``{"id", "status": exit status or null, "timed_out": bool, "stdout", "stderr"}``
(what the grading printed comes back through pipes, never through files a submission
could write).
"""

from __future__ import annotations

import json
import os
import secrets
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from graders.sandbox.processes import descendants


def serve() -> int:
    """Answer requests on stdin until it closes."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # no BLAS threads before a fork
    from graders.engine import grader  # noqa: F401 - the imports every grading needs
    from graders.exercises import grader as exercises  # noqa: F401
    from graders.platforms import cli  # noqa: F401

    for line in sys.stdin:
        request = json.loads(line)
        reply = {"id": request["id"], **_grade_in_child(request)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    return 0


def _grade_in_child(request: dict) -> dict:
    """Fork, grade in the child, and collect what it prints (as it prints, so a full pipe
    never blocks it) until it exits or runs over its time."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one grading, then exit without returning to the loop
        os.close(out_r)
        os.close(err_r)
        os._exit(_child(request, out_w, err_w))
    os.close(out_w)
    os.close(err_w)
    reading = {out_r: bytearray(), err_r: bytearray()}
    printed: dict[int, bytearray] = {}
    deadline = time.monotonic() + float(request["timeout"])
    status = None
    while reading:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for fd in select.select(list(reading), [], [], min(left, 0.5))[0]:
            chunk = os.read(fd, 1 << 16)
            if chunk:
                reading[fd] += chunk
            else:
                printed[fd] = reading.pop(fd)
                os.close(fd)
        if status is None:
            exited, raw = os.waitpid(pid, os.WNOHANG)
            if exited:
                status = raw
        if status is not None and reading and not select.select(list(reading), [], [], 0)[0]:
            break  # the child is gone; what it left running may hold the pipes open
    while status is None and time.monotonic() < deadline:  # printing done, not exited yet
        exited, raw = os.waitpid(pid, os.WNOHANG)
        if exited:
            status = raw
        else:
            time.sleep(0.01)
    timed_out = status is None
    if timed_out:
        _kill(pid)
        os.waitpid(pid, 0)
    for fd, data in reading.items():
        printed[fd] = data
        os.close(fd)
    return {
        "status": None if timed_out else os.waitstatus_to_exitcode(status),
        "timed_out": timed_out,
        "stdout": bytes(printed[out_r]).decode("utf-8", "replace"),
        "stderr": bytes(printed[err_r]).decode("utf-8", "replace"),
    }


def _child(request: dict, stdout: int, stderr: int) -> int:
    try:
        os.setsid()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.dup2(stdout, 1)
        os.dup2(stderr, 2)
        os.close(stdout)
        os.close(stderr)
        from graders.platforms import cli

        return int(cli.main(request["argv"]) or 0)
    except SystemExit as e:  # argparse's usage errors
        return e.code if isinstance(e.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported on the child's stderr, as the CLI would
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _kill(pid: int) -> None:
    ours = os.getpgrp()
    for each in [pid, *descendants(pid)]:
        try:
            group = os.getpgid(each)
            if group != ours:
                os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            os.kill(each, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


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
        self.process.stdin.write(json.dumps({**request, "timeout": timeout}) + "\n")
        self.process.stdin.flush()
        reply = self.process.stdout.readline()
        try:
            answer = json.loads(reply)
            if answer.get("id") != request_id:
                raise ValueError("not the reply to this request")
        except (ValueError, AttributeError):
            self.kill()  # its replies can no longer be trusted: the next job starts another
            raise RuntimeError("the grading server's reply was missing or not its own") from None
        out, err = answer["stdout"].encode(), answer["stderr"].encode()
        return answer["status"], answer["timed_out"], out, err

    def close(self) -> None:
        try:
            self.process.stdin.close()
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


if __name__ == "__main__":
    sys.exit(serve())
