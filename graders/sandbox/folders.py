"""The worker's folders: its own, made and filled with the submission, and those it may
not read.

Each worker gets a private folder (:func:`make_folder`; with a pool of worker users in
``/tmp`` or ``$CHAINGRADE_SANDBOX_DIR``, traversable only) holding a copy of what was
handed in and nothing else (:func:`install`), owned by its user. The folders it may not
read (:func:`forbidden_folders`: the assignment's, chaingrade's packages and their
checkout, the forbidden packages') go to its guard and to Landlock; where the kernel has
no Landlock, a pool member that could read one of them by the mode bits stops grading
(:func:`refuse_what_the_user_could_read`).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

from graders.sandbox import landlock
from graders.sandbox.policy import imported
from graders.sandbox.users import SandboxError, WorkerUser, reachable
from graders.submission import Submission

#: Folders a worker may also read and write (tests' probes; see ``may_write``).
WRITABLE_VARIABLE = "CHAINGRADE_WORKER_MAY_WRITE"
#: Where a worker's folder is made when it runs as another user (default: /tmp).
SANDBOX_DIR_VARIABLE = "CHAINGRADE_SANDBOX_DIR"
#: Packages whose folders a worker may never read, besides the assignment's forbidden imports:
#: chaingrade's own (a solution may sit beside them in a checkout).
OWN_PACKAGES = ("graders", "strategies")


def make_folder(pool: tuple[WorkerUser, ...]) -> Path:
    """A private folder for this worker: with a pool, in the shared temporary folder
    (a grader's own temporary folder may be closed to other users), traversable only."""
    if not pool:
        return Path(tempfile.mkdtemp(prefix="chaingrade-"))
    root = Path(os.environ.get(SANDBOX_DIR_VARIABLE) or "/tmp")
    unreachable = [u for u in pool if not reachable(root, u)]
    if unreachable:
        raise SandboxError(
            f"user {unreachable[0]} cannot reach {root}, where workers' "
            f"folders are made: set {SANDBOX_DIR_VARIABLE} to a folder "
            "every worker user can enter"
        )
    folder = Path(tempfile.mkdtemp(prefix="chaingrade-", dir=root))
    folder.chmod(0o711)  # the worker can enter its own folder, but list nothing here
    return folder


def install(handed_in: Submission, home: Path, *, user: WorkerUser | None) -> None:
    """Write the submission's files into the worker's folder, owned by the worker's
    user (they were read once, when the submission was resolved: nothing the student
    changes on disk afterwards reaches the worker)."""
    folder = home / "submission"
    made = [home, folder]
    folder.mkdir(parents=True, exist_ok=True)
    for relative, data in sorted(handed_in.files.items()):
        path = folder / relative
        for parent in reversed(path.relative_to(folder).parents[:-1]):
            if not (folder / parent).is_dir():
                (folder / parent).mkdir()
                made.append(folder / parent)
        path.write_bytes(data)
        made.append(path)
    made += _font_cache(home, handed_in)
    if user is not None:
        for path in made:
            os.chown(path, user.uid, user.gid)
        home.chmod(0o700)


def forbidden_folders(
    *, private_folders: tuple[Path, ...], forbidden: tuple[str, ...]
) -> dict[str, str | None]:
    """Folders the worker may not read, with what reading them means: the assignment's,
    chaingrade's own packages and the forbidden packages, wherever this interpreter
    has them."""
    folders: dict[str, str | None] = {str(Path(f).resolve()): None for f in private_folders}
    for name in (*OWN_PACKAGES, *forbidden):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for path in (spec.submodule_search_locations or ()) if spec else ():
            folders[str(Path(path).resolve())] = f"import {name}"
            parent = Path(path).resolve().parent
            if name in OWN_PACKAGES and parent.name not in ("site-packages", "dist-packages"):
                for entry in _checkout_entries(parent):
                    folders.setdefault(str(entry), None)
    return folders


def refuse_what_the_user_could_read(
    user: WorkerUser, *, private_folders: tuple[Path, ...], forbidden: dict[str, str | None]
) -> None:
    """Without Landlock (an old kernel, a container that refuses its system calls) the
    worker's uid and file permissions are the only boundary: a private folder (the
    assignment, with its solution, or the checkout of an editable install) that its
    user could read stops grading, with the fix."""
    if landlock.abi():
        return
    checkout = [f for f, label in forbidden.items() if label is None]
    for folder in dict.fromkeys([*map(str, private_folders), *checkout]):
        readable = readable_below(Path(folder), user)
        if readable is not None:
            raise SandboxError(
                f"the worker's user ({user}) could read {readable}, and this kernel "
                "offers no Landlock to stop it: make the assignment's folder "
                "unreadable to other users (chmod -R o-rwx), or grade in a container "
                "(docs/sandbox.md)"
            )


def _font_cache(home: Path, handed_in: Submission) -> list[Path]:
    """matplotlib lists the machine's fonts by running ``fc-list`` unless it finds its
    font cache, and the worker may start no program: a submission that imports matplotlib
    (a notebook's plotting cell) gets a copy of this process's cache in its home. What was
    made, for its owner to be set."""
    try:
        if "matplotlib" not in imported(handed_in.texts()):
            return []
    except UnicodeDecodeError:  # not text: grading says so before any worker starts
        return []
    try:
        import matplotlib
        from matplotlib import font_manager  # noqa: F401 (builds the cache if missing)
    except Exception:  # not installed here (or broken): the submission's import says so
        return []
    caches = sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
    folder = home / ".cache" / "matplotlib"
    folder.mkdir(parents=True, exist_ok=True)
    for cache in caches:
        shutil.copyfile(cache, folder / cache.name)
    return [home / ".cache", folder, *(folder / c.name for c in caches)]


def may_write() -> list[str]:
    """Folders the worker may read and write besides its own: ``$CHAINGRADE_WORKER_MAY_WRITE``
    (``os.pathsep`` between them), for tests whose submissions leave evidence there. Never
    set it when grading: what is there is open to every submission."""
    text = os.environ.get(WRITABLE_VARIABLE, "")
    return [str(Path(p).resolve()) for p in text.split(os.pathsep) if p]


def readable_below(folder: Path, user: WorkerUser) -> Path | None:
    """A file in ``folder`` that ``user`` could open for reading (mode bits), if any: the
    first one found."""
    if not reachable(folder if folder.is_dir() else folder.parent, user):
        return None
    for path in folder.rglob("*") if folder.is_dir() else [folder]:
        try:
            info = path.stat()
        except OSError:
            continue
        if path.is_file() and reachable(path.parent, user) and _may_read(info, user):
            return path
    return None


def _may_read(info: os.stat_result, user: WorkerUser) -> bool:
    if info.st_uid == user.uid:
        return bool(info.st_mode & 0o400)
    if info.st_gid == user.gid:
        return bool(info.st_mode & 0o040)
    return bool(info.st_mode & 0o004)


def _checkout_entries(checkout: Path) -> list[Path]:
    """An editable install's checkout, entry by entry (its tests, its history, its
    assignments), but for the folder this interpreter lives in (a ``.venv`` inside it)."""
    interpreter = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.executable)}
    try:
        entries = list(checkout.iterdir())
    except OSError:
        return []
    return [
        e.resolve()
        for e in entries
        if not any(e.resolve() == p or e.resolve() in p.parents for p in interpreter)
    ]
