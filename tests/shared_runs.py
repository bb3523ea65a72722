"""Results several tests read, made once per run whichever xdist worker asks first.

A grading costs several CPU seconds whatever it checks (a process per part), so a test
that only reads a grading (or a CLI run) another test makes too asks for it by a key
that names everything it depends on (the engine's bytes, the arguments, the seed): the
first asker makes it, the others, in any worker, wait for it and read it back. The
run's folder is made by conftest.py (its first process, before the workers start).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
from pathlib import Path

#: The variable naming the run's folder of shared results.
FOLDER = "CHAINGRADE_TEST_GRADINGS"


def once_per_run(key: str, make):
    """``make()``'s result, made once per run for ``key`` whichever xdist worker asks first:
    the others wait for it (one lock per key) and read it back (pickled in the run's folder).
    What it returns is shared: read it, never change it; files it names must outlive the
    test that made them (``tmp_path_factory``, not ``tmp_path``)."""
    stored = Path(os.environ[FOLDER]) / hashlib.sha256(key.encode()).hexdigest()
    with open(stored.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if stored.exists():
            return pickle.loads(stored.read_bytes())
        made = make()
        partial = stored.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(made))
        partial.replace(stored)
        return made


def file_key(path: Path) -> str:
    """What a grading of the file ``path`` depends on: its name and bytes."""
    return f"{path.name}:{hashlib.sha256(path.read_bytes()).hexdigest()}"
