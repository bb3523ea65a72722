"""A warm grading process for batch: chaingrade's imports paid once, not per submission.

Starting Python and importing chaingrade, MyGrad and Hypothesis takes about half a second,
as long as grading a small submission. Batch keeps one server per parallel job (its side,
starting servers and checking their replies, is ``warm_servers``); for each
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
import select
import sys
import time
import traceback

from graders.sandbox.processes import kill_tree


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
        kill_tree(pid)
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


if __name__ == "__main__":
    sys.exit(serve())
