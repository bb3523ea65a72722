"""The worker's guard: what the submission may not import, read or do while it runs.

Installed by ``worker.serve`` (:func:`guard`) after :func:`drop_paths_to` and before the
submission is imported; every function here runs in the worker, beside the student's
code. It imports only the standard library (the supervisor loads it with the worker, by
path). What it catches is written at once to the alarm pipe (:func:`alarm`), which the
runner reads after every reply. The integrity check (``integrity.py``) then compares the
worker with what it was before the submission ran, these functions' closures and
defaults included.

Why closures with default arguments: whatever a check compares with or calls is captured
as an immutable default when the guard goes up. A closure cell or a module global can be
rebound with no audit event; writing a function's ``__defaults__`` raises one, which the
hook reports.
"""

import importlib.machinery
import os
import stat
import sys
import types

from . import frames

#: Audit events of starting a program: no engine needs to, and a child process is beyond
#: this process's audit hook.
_SPAWNS = frozenset(
    {
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "subprocess.Popen",
        "os.fork",
        "os.forkpty",
    }
)


#: What a function runs with that writing raises an audit event for (``object.__setattr__``),
#: and what a report calls it (read-only: the hook reads it).
_FUNCTION_STATE = types.MappingProxyType(
    {"__code__": "code", "__defaults__": "defaults", "__kwdefaults__": "defaults"}
)
#: Every audit event the guard's hook looks at (see ``guard``).
_WATCHED = _SPAWNS | {
    "object.__setattr__",
    "gc.get_objects",
    "gc.get_referrers",
    "gc.get_referents",
    "os.link",
    "os.symlink",
    "os.rename",
    "import",
    "open",
    "os.listdir",
    "os.scandir",
    "compile",
    "exec",
    # What hands out a frame (whose ``f_back``, ``f_globals`` and ``f_locals`` no audit
    # event guards): ``frames.py`` says who may ask.
    *frames.FRAME_EVENTS,
    "object.__getattr__",
    "code.__new__",
}


#: How a path given as bytes is read (``os.fsdecode``'s encoding and error handler).
_FS_ENCODING = (sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())


def real_path(
    path,
    _lstat=os.lstat,
    _readlink=os.readlink,
    _getcwd=os.getcwd,
    _is_link=stat.S_ISLNK,
):
    """``os.path.realpath(path)`` for the guard (``path`` a str), from functions written in
    C alone, captured when the worker starts: the standard one looks up ``os.fspath`` and
    others as module globals at every call, which a submission can rebind without an audit
    event. A name that does not exist is kept as written; a loop of links ends after 40."""
    if not path.startswith("/"):
        path = _getcwd() + "/" + path
    todo = [part for part in path.split("/") if part][::-1]  # a stack: next part last
    resolved, links = "", 0
    while todo:
        part = todo.pop()
        if part == ".":
            continue
        if part == "..":
            resolved = resolved.rpartition("/")[0]
            continue
        candidate = resolved + "/" + part
        try:
            target = _readlink(candidate) if _is_link(_lstat(candidate).st_mode) else None
        except (OSError, ValueError):
            target = None
        if target is None or links >= 40:
            resolved = candidate
            continue
        links += 1
        if target.startswith("/"):
            resolved = ""
        todo += [part for part in target.split("/") if part][::-1]
    return resolved or "/"


def _procfs_directory(path, _stat=os.stat, _is_dir=stat.S_ISDIR):
    """Is ``path`` (resolved) a folder of ``/proc`` (``/proc`` itself, a process's entry)?"""
    if not path.startswith("/proc/"):
        return False
    try:
        return _is_dir(_stat(path).st_mode)
    except (OSError, ValueError):
        return False


def alarm(fd):
    """``note(text)``: tell the runner at once, through the alarm pipe. Every time: the
    runner removes repeats, while anything kept here to skip them (a set of texts sent)
    is state a submission could fill to silence this."""
    write, encode = os.write, str.encode

    def note(what, _write=write, _encode=encode, _fd=fd):
        try:
            _write(_fd, _encode(what.replace("\n", " ")[:200] + "\n", "utf-8", "replace"))
        except OSError:
            pass

    return note


def guard(
    forbidden_modules,
    forbidden_folders,
    note,
    *,
    own_files,
    own_fork,
    untrusted=(),
    own_namespaces=(),
):
    """Block and report (``note``) every import of a forbidden module and every use of a
    forbidden folder. ``forbidden_folders`` maps a folder to what using it means
    (``"import mygrad"``), or to None (``"read /the/path"``).

    An audit hook (PEP 578; Python code cannot remove one) sees

    * ``import`` statements and ``__import__`` calls of modules not yet loaded;
    * every ``open`` (``open()``, ``io.open_code`` as the import system reads source,
      ``os.open``), ``os.listdir``/``os.scandir``, and every ``exec``/``compile`` of code
      from a file: so a forbidden package cannot be loaded by another route
      (``importlib.__import__`` raises no import event, but reading its files does), and
      no other process's ``/proc`` entry (its descriptors: the grader's pipes) is opened;
    * rewriting the code of this worker's functions, and searching the garbage
      collector's objects: no engine needs either, and a hijack of this worker does;
    * the submission's code asking for a frame (``frames.py``): from one, ``f_back``,
      ``f_globals`` and ``f_locals`` reach all of the worker's state with no event; and
      the submission compiling code under a library's file name (``compile``,
      ``code.replace``), which ``frames.py`` would take for the library's; and the
      submission reading the defaults of the worker's functions (what their checks
      hold, the tracer behind ``sys.gettrace()``);
    * opening a folder of ``/proc``: a descriptor of one would let ``dir_fd`` reach
      another process's entry by a name the ``open`` event cannot place.

    A finder first in ``sys.meta_path`` also sees ``importlib.import_module`` and
    ``find_spec``. An attempt is recorded even when the submission catches the error.

    ``own_files``: the worker's own source files (a function whose code is there is the
    worker's); ``own_fork``: the code of the one function whose ``os.fork`` is allowed
    (``worker.fork_part``, the zygote's copy for a part); ``untrusted``: the folders
    where the submission's code lives or may be written (its copy, the worker's folder);
    ``own_namespaces``: the worker's modules' globals (where its code that uses frames is).
    """
    # What the checks compare with are immutable default arguments, not closure cells: a
    # cell can be rewritten with no audit event, a default only with one the hook reports.
    modules = frozenset(forbidden_modules)
    labels = tuple(  # resolved as check_path resolves what it is asked about
        (real_path(f).rstrip("/") + "/", label) for f, label in forbidden_folders.items()
    )

    # Builtins and module functions they call are captured as defaults too: rebinding a
    # builtin or a module's global raises no audit event, a default does.
    def check_module(name, _note=note, _error=ImportError, _modules=modules, _type=type, _str=str):
        if _type(name) is _str and name.partition(".")[0] in _modules:
            top = name.partition(".")[0]
            _note("import " + top)
            raise _error(f"importing {top} is not allowed in this assignment")

    def check_path(
        path,
        action,
        flags=None,
        _note=note,
        _sources=frozenset(own_files),
        _writes=os.O_ACCMODE | os.O_CREAT | os.O_TRUNC,
        _pid=os.getpid,
        _labels=labels,
        _folders=tuple(folder for folder, _ in labels),
        _realpath=real_path,
        _procfs=_procfs_directory,
        _fspath=os.fspath,  # posix.fspath, in C
        _encoding=_FS_ENCODING,
        _isinstance=isinstance,
        _str=str,
        _next=next,
    ):
        if _isinstance(path, int) or path is None:
            return
        try:
            name = _fspath(path)
            name = name.decode(*_encoding) if _isinstance(name, bytes) else name
            full = _realpath(name).rstrip("/") + "/"
        except (TypeError, ValueError, OSError):
            return
        # Another process's files, descriptors or memory (the grader's pipes among them):
        # no engine needs them.
        own = "/proc/" + _str(_pid()) + "/"  # a forked child's own, too
        if full.startswith("/proc/") and full[6:7].isdigit() and not full.startswith(own):
            _note(f"{action} {full.rstrip('/')} (another process)"[:200])
            raise PermissionError(f"{action} {name} is not allowed while grading")
        if action == "read" and _procfs(full):
            _note(f"opened the folder {full.rstrip('/')} (a way to another process)"[:200])
            raise PermissionError(f"{action} {name} is not allowed while grading")
        if flags is not None and not flags & _writes and full[:-1] in _sources:
            return  # the worker's own source, read (a printed stack shows its lines)
        if _folders and full.startswith(_folders):
            label = _next(label for folder, label in _labels if full.startswith(folder))
            _note(label or f"{action} {full.rstrip('/')}"[:200])
            raise PermissionError(f"{action} {name} is not allowed while grading")

    asks = frames.submission_asker(own_files, untrusted, own_namespaces)
    untrusted_folders = tuple(os.path.join(f, "") for f in untrusted)

    def hook(
        event,
        args,
        _module=check_module,
        _path=check_path,
        _note=note,
        _own=frozenset(own_files),
        _watched=_WATCHED,
        _spawns=_SPAWNS,
        _function_state=_FUNCTION_STATE,
        _fork=own_fork,
        _caller=sys._getframe,
        _getattr=getattr,
        _len=len,
        _frame_events=frames.FRAME_EVENTS,
        _frame_attributes=frames.FRAME_ATTRIBUTES,
        _asks=asks,
        _refused=PermissionError,
        _defaults=frozenset({"__defaults__", "__kwdefaults__"}),
        _untrusted=untrusted_folders,
        _files=frames.FILES,
        _type=type,
        _str=str,
        _me=None,  # this function's code, set below: its own call of _caller
    ):
        if event not in _watched:  # most events (``id()``: one per call) at once
            return
        frame_wanted = event in _frame_events or (
            event == "object.__getattr__" and args[1] in _frame_attributes
        )
        if frame_wanted:
            if event == "sys._getframe" and _len(args) and args[0].f_code is _me:
                return  # this hook finding who asked, just below
            if _asks(_caller(0).f_back):  # the hook's caller: the code that asked
                what = "." + args[1] if event == "object.__getattr__" else event
                _note("reached for the worker's frames (" + what + ")")
                raise _refused("frames are not available to the submission while grading")
        elif event == "object.__setattr__" and args[1] in _function_state:
            if _getattr(_getattr(args[0], "__code__", None), "co_filename", None) in _own:
                _note(f"rewrote the {_function_state[args[1]]} of a function of the worker")
        elif event == "object.__getattr__" and args[1] in _defaults:
            # What the worker's functions hold as defaults is the guard's state (and the
            # tracer behind sys.gettrace(), tracing.py): no engine reads it.
            code = _getattr(args[0], "__code__", None)
            if _getattr(code, "co_filename", None) in _own and _asks(_caller(0).f_back):
                _note("read the defaults of a function of the worker")
                raise _refused("the worker's functions are not the submission's to read")
        elif event in ("gc.get_objects", "gc.get_referrers", "gc.get_referents"):
            _note("searched the interpreter's objects (" + event + ")")
        elif event in _spawns:
            if event == "os.fork" and _caller(1).f_code is _fork:
                return  # the zygote's own fork of a part (``fork_part``)
            _note("started a program (" + event + ")")
        elif event in ("os.link", "os.symlink", "os.rename"):
            _path(args[0], "link")
        elif event == "import":
            _module(args[0])
        elif event == "open":
            _path(args[0], "read", args[2] if _len(args) > 2 else None)
        elif event in ("os.listdir", "os.scandir"):
            _path(args[0], "list")
        elif event in ("compile", "code.__new__") and _len(args) > 1:
            if event == "compile":
                _path(args[1], "compile")
            name = args[1]  # code the submission makes, named as a library's file
            if (
                _type(name) is _str
                and name.startswith(_files)
                and not name.startswith(_untrusted)
                and _asks(_caller(0).f_back, True)
            ):
                _note("made code under another file's name (" + name[:100] + ")")
                raise _refused("code may not be made under another file's name")
        elif event == "exec":
            _path(_getattr(args[0], "co_filename", None), "run")

    class ForbiddenImports:
        @staticmethod
        def find_spec(name, path=None, target=None, _check=check_module):
            _check(name)
            return None

    hook.__defaults__ = (*(hook.__defaults__ or ())[:-1], hook.__code__)  # _me
    sys.addaudithook(hook)
    sys.meta_path.insert(0, ForbiddenImports)
    preloaded = frozenset(sys.modules)  # the worker's own imports are not the submission's

    def loaded(_modules=modules, _preloaded=preloaded, _note=note):
        """Forbidden modules in ``sys.modules``, however they got there."""
        for name in list(sys.modules):
            if type(name) is str and name.partition(".")[0] in _modules:
                if name not in _preloaded:
                    _note("import " + name.partition(".")[0])

    # What the integrity check watches besides this module: the guard's own functions,
    # whose closures and defaults hold what is forbidden.
    inner = {
        "note": note,
        "check_module": check_module,
        "check_path": check_path,
        "hook": hook,
        "loaded": loaded,
        "find_spec": ForbiddenImports.find_spec,
    }
    return loaded, inner


def drop_paths_to(folders):
    """Remove import hooks and ``sys.path`` entries that reach chaingrade or an assignment
    (an editable install adds a finder for chaingrade's folders), keeping the interpreter's
    own finders and its site-packages."""
    standard = (
        importlib.machinery.BuiltinImporter,
        importlib.machinery.FrozenImporter,
        importlib.machinery.PathFinder,
    )
    sys.meta_path[:] = [f for f in sys.meta_path if f in standard]
    sys.path_hooks[:] = [
        h for h in sys.path_hooks if not getattr(h, "__module__", "").startswith("__editable__")
    ]
    roots = tuple(os.path.join(os.path.realpath(f), "") for f in folders)

    def leads_there(entry):
        full = os.path.join(os.path.realpath(entry or "."), "")
        if full.startswith(roots):
            return True
        site = full.rstrip("/").endswith(("site-packages", "dist-packages"))
        return not site and any(os.path.dirname(r.rstrip("/")) + "/" == full for r in roots)

    sys.path[:] = [p for p in sys.path if not leads_there(p)]
    sys.path_importer_cache.clear()


def unreadable(paths):
    """The first of ``paths`` this process cannot read (a folder: list and enter), if any."""
    for path in paths:
        try:
            os.stat(path)
        except FileNotFoundError:
            continue
        except OSError:
            return path
        if not os.access(path, os.R_OK | os.X_OK if os.path.isdir(path) else os.R_OK):
            return path
    return None
