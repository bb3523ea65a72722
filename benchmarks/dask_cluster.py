"""A real ``dask.distributed`` cluster for the benchmarks: ``dask scheduler`` and N
``dask worker`` processes started as separate programs (as a course runs them on its own
machines), not a LocalCluster inside the benchmark's process.

    with dask_cluster(2) as address:
        batch.run(..., scheduler=address)

Each worker has one thread and a name; the cluster is ready once every worker has
registered with the scheduler. On the way out the processes started here (and only
they) are stopped, by their ids.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: Seconds to wait for the scheduler and every worker.
READY_SECONDS = 120


@contextlib.contextmanager
def dask_cluster(workers: int) -> Iterator[str]:
    """The scheduler's address while a scheduler and ``workers`` workers run."""
    dask = shutil.which("dask") or str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    started: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="chaingrade-dask-") as folder:
        log = Path(folder)
        try:
            started.append(
                _start(
                    [
                        dask,
                        "scheduler",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--dashboard-address",
                        ":0",
                    ],
                    log / "scheduler.log",
                )
            )
            for i in range(workers):
                started.append(
                    _start(
                        [
                            dask,
                            "worker",
                            address,
                            "--nthreads",
                            "1",
                            "--nworkers",
                            "1",
                            "--name",
                            f"grader-{i}",
                            "--no-dashboard",
                            "--local-directory",
                            str(log / f"worker-{i}"),
                        ],
                        log / f"worker-{i}.log",
                    )
                )
            _wait_for(address, workers, started, log)
            yield address
        finally:
            for process in reversed(started):
                _stop(process)


def _start(command: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _wait_for(address: str, workers: int, started, log: Path) -> None:
    from distributed import Client

    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in started):
            break
        try:
            with Client(address, timeout="5s") as client:
                client.wait_for_workers(workers, timeout=max(1.0, deadline - time.monotonic()))
                return
        except (OSError, TimeoutError):
            time.sleep(1)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(log.glob("*.log")))
    raise RuntimeError(f"the Dask cluster at {address} did not come up:\n{logs}")


def _stop(process: subprocess.Popen) -> None:
    """Stop one process this module started (its own session: a worker's nanny and
    the worker it forked go together)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
