"""What a student handed in, resolved into what the worker gets.

    resolve(path, entry="engine", leaves=("tensor",), chosen=None) -> Submission

Students hand in three forms, and every platform path (``check``, ``grade``, the pytest
plugin, Gradescope's ``run_autograder``, ``batch``) resolves them here, once:

* **a Python file** (any name): copied alone, never its neighbours. It is imported under
  its own name (``alice.py`` as ``alice``) unless that is no module name or names a
  standard or installed module (``code.py``, ``mygrad.py``); then as ``entry``.
* **a notebook** (``.ipynb``): its code cells become ``ENTRY.py``; IPython's magics,
  shell lines and ``get_ipython()`` calls are dropped and listed in the notes
  (``graders.notebooks``); a syntax error names the cell and its line.
* **a folder**: the entry is what ``--entry`` names (a module such as ``needle`` or
  ``micrograd.engine``, a package, or a path inside the folder); else ``ENTRY.py``, a
  package ``ENTRY/`` (with ``__init__.py``) or a notebook ``ENTRY.ipynb``, at the
  folder's top or else the shallowest one in a subfolder (an upload or a repository may
  nest it; several at one depth: the first by name, with a note); else the package or
  module that defines the leaf the API needs (:mod:`graders.discovery`: packages before
  loose scripts, the shallowest; several equally good are one error that says to pass
  ``--entry``); else the folder's only Python file, then its only notebook. A folder
  that *is* the package (named ``ENTRY``, with ``__init__.py``) is that package. What
  was picked, and why, is a note. From the entry, the student's own modules it imports
  are found by reading its imports (never running them: a top-level ``if FLAG:`` on a
  module constant ``FLAG = True`` follows only the branch it takes), in the entry's
  folder and then in each folder around it up to the hand-in's top (a repository's
  ``dezero/`` beside the ``steps/`` whose scripts import it; copied beside the entry, the
  nearest first, the entry's own folder winning), and only those are copied: a
  repository's tests, ``setup.py``, scripts, ``conftest.py`` or ``sitecustomize.py``
  stay behind. A module of a package (``micrograd/engine.py``) is imported as
  ``micrograd.engine``, its package's ``__init__.py`` copied and run first.

Never copied or followed: symbolic links (wherever they point), anything that is not
Python source (data files are not even read), hidden folders (``.git``, ``.venv``, ...),
``__pycache__``, ``node_modules``, ``site-packages``, virtual environments (a folder with
``pyvenv.cfg``), and a module at the top of the copy named like a standard module,
chaingrade's or numpy (``json.py``, ``os.py``, ``numpy.py``): in a submission, ``import
numpy`` always means NumPy, so nothing copied can shadow a module the worker or the grader
imports. Any other module the entry imports is the student's own, whatever its name: a
package ``micrograd/`` or a helper ``autograd.py`` is copied even where PyPI's micrograd or
autograd is installed, and ``import micrograd`` means the student's. What the entry would
have used among those left out is listed in the notes.

Limits (``[limits]`` of assignment.toml): ``files``, the Python files copied, and
``source_bytes``, their total size (a notebook's code cells count, not its outputs). A
folder holding more than :data:`MAX_ENTRIES` files and folders, or a notebook file larger
than :data:`NOTEBOOK_BYTES`, is refused as well; :class:`HandInError` says which limit.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from graders.submission.copied import Assembly, taken
from graders.submission.folders import from_folder
from graders.submission.handed_in import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_ENTRIES,
    MAX_FILES,
    NOTEBOOK_BYTES,
    OWN_PACKAGES,
    SEARCHED_BYTES,
    SKIPPED_FOLDERS,
    HandInError,
    Submission,
)
from graders.submission.limits import Budget

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ENTRIES",
    "MAX_FILES",
    "NOTEBOOK_BYTES",
    "OWN_PACKAGES",
    "SEARCHED_BYTES",
    "SKIPPED_FOLDERS",
    "HandInError",
    "Submission",
    "entry_of",
    "resolve",
]


def resolve(
    path: Path,
    entry: str | None = None,
    *,
    leaves: tuple[str, ...] = (),
    chosen: str | None = None,
    max_files: int = MAX_FILES,
    max_bytes: int = MAX_BYTES,
) -> Submission:
    """The submission handed in at ``path`` (a file, a notebook or a folder); ``entry``
    is the module the assignment names (default: a file's own name, else ``engine``).
    In a folder without it, the engine is found by ``leaves``, the names of the leaf
    constructor the API needs (``Tensor``, ``Value``, ...: see :mod:`graders.discovery`);
    ``chosen`` (``--entry``) names the entry outright: a module (``needle``,
    ``micrograd.engine``), a package or a path inside the folder (``python/needle``,
    ``steps/step16.py``). Raises :class:`HandInError` for one that cannot be graded as
    handed in."""
    path = Path(path)
    budget = Budget(max_files, max_bytes)
    if path.is_dir():
        return from_folder(path, entry or "engine", budget, leaves, chosen)
    if not path.exists():
        raise HandInError(f"no such file or folder: {path}", missing=True)
    extra = (f"--entry {chosen} is for a folder: graded {path.name} itself",) if chosen else ()
    if path.suffix == ".ipynb":
        made = Assembly(path, entry or "engine", budget).with_notebook(path.resolve(), path.name)
        return replace(made, notes=(*made.notes, *extra))
    data = budget.read(path.resolve(), path.name)  # the caller named this file: a link is fine
    own = path.stem if path.stem.isidentifier() and not taken(path.stem) else entry or "engine"
    notes = extra
    if own != path.stem:
        why = "is not a module name" if not path.stem.isidentifier() else "names another module"
        notes += (f"{path.name}: {path.stem} {why}, so it is imported as {own}",)
    return Submission(
        handed_in=path,
        module=own,
        entry=f"{own}.py",
        files={f"{own}.py": data},
        labels={f"{own}.py": path.name},
        notes=notes,
        originals={path.name: data},
    )


def entry_of(submission: str) -> str:
    """The module an assignment's ``submission`` names: ``engine.py`` -> ``engine``,
    ``minitorch/`` -> ``minitorch``."""
    return Path(submission.rstrip("/")).name.removesuffix(".py").removesuffix(".ipynb")
