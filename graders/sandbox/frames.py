"""Who may have a frame: what the worker's guard asks when code reaches for one.

A frame leads everywhere: ``f_back`` to its callers (the worker's own ``serve`` among
them), ``f_globals`` and ``f_locals`` to their namespaces, and no audit event guards any
of the three. What hands a frame out does raise one: ``sys._getframe``,
``sys._current_frames``, a traceback's ``tb_frame``, a generator's or coroutine's
``gi_frame``/``cr_frame``/``ag_frame`` (``object.__getattr__``), and a trace or profile
function, which is called with frames (``sys.settrace``, ``sys.setprofile``). The guard's
hook refuses each when :func:`submission_asker` says the submission is asking.

Who asked is the innermost Python frame when the event is raised, and that is not always
who wanted the frame: a function written in C (``sys._getframe`` itself, ``map``,
``operator.attrgetter``) has no frame, so a submission that hands ``sys._getframe`` to
code that calls what it is given (``Mapping.get`` calling ``__getitem__``,
``numpy.vectorize``, the worker calling an op) gets a frame "asked for" by that code. So
a request is allowed only when the code that asked is known to want the frame for its
own ends, *at the line where it asks for one*:

* the worker's own code that uses frames (:data:`WORKER_FRAME_USERS`: its tracer, its
  reading of tracebacks and of its own functions' defaults): allowed; the rest of the
  worker's files vouch for nothing (the worker calls the submission's ops, which may be
  ``sys._getframe``);
* a standard-library function that keeps the frame to itself
  (:data:`KEEP_FRAMES_TO_THEMSELVES`: a module name for ``namedtuple``, a line to log, a
  printed stack), asking at such a line itself or through the standard library's own
  helpers, each at the line that calls the next (``logging.currentframe``,
  ``traceback.walk_tb`` driven by ``StackSummary``), and the few installed packages'
  functions that do the same (:data:`KEEP_IN_PACKAGES`): allowed;
* an installed package's function that reads the names of its caller's namespaces
  (:data:`READ_CALLERS_NAMES`: ``np.bmat("a b")``, ``np.r_["a, b"]``), asking at its
  line: allowed when its caller is code of the submission's files, whose namespaces it
  reads (they are the submission's own), and only then;
* anything else (the submission's code, other standard-library code frozen or not,
  ``inspect.currentframe``, an installed package): refused when the submission's code or
  the worker's is the first of the two met going outwards, unless a library asked while
  being imported (the import machinery stands between it and them: ``typing_extensions``
  reading its importer's module name), and refused when neither is met (a thread).

Standard library only (loaded with the worker, by path). Everything the check uses is a
default argument, captured when the guard goes up (see ``guard.py``: a default can only
be rewritten with an audit event the hook reports).
"""

import dis
import importlib
import importlib.util
import os
import sys
import types

#: Attributes whose reading hands out a frame (``object.__getattr__`` audit events).
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})

#: Audit events that hand out frames (``sys._getframe``'s argument is the frame itself).
FRAME_EVENTS = frozenset({"sys._getframe", "sys._current_frames", "sys.settrace", "sys.setprofile"})

#: Standard-library functions that read a frame for their own ends and return none: a
#: module name (``namedtuple``, ``typing._caller``, ``enum``'s functional API), a line to
#: log (``logging``), a printed or summarised stack (``traceback``), a warning's place.
KEEP_FRAMES_TO_THEMSELVES = (
    ("collections/__init__.py", "namedtuple"),
    ("typing.py", "_caller"),
    ("enum.py", "EnumType._create_"),
    ("logging/__init__.py", "Logger.findCaller"),
    ("logging/__init__.py", "Handler.handleError"),
    ("traceback.py", "print_stack"),
    ("traceback.py", "format_stack"),
    ("traceback.py", "extract_stack"),
    ("traceback.py", "StackSummary._extract_from_extended_frame_gen"),
    ("traceback.py", "clear_frames"),
    ("warnings.py", "warn"),
)

#: Installed packages' functions that do the same (module, qualified name), where the
#: package is installed: ``typing_extensions._caller`` is ``typing._caller`` (the module
#: name of its caller's caller, for ``TypeVar``, ``NamedTuple``, ... at any time), and
#: ``_has_generic_or_protocol_as_origin`` reads one local of typing's own frame and returns
#: a bool (typing_extensions patches ``typing._collect_parameters`` with it before 3.13, so
#: once anything imports typing_extensions, as minitorch's ``autodiff.py`` does, every
#: ``Union[...]`` or ``Tuple[...]`` asks through it). Their lines that ask are read from
#: their source (a package's file is readable).
KEEP_IN_PACKAGES = (
    ("typing_extensions", "_caller"),
    ("typing_extensions", "_has_generic_or_protocol_as_origin"),
    ("attr._make", "make_class"),  # attrs: the made class's ``__module__``, as namedtuple
)

#: Installed packages' functions that read the names in their caller's namespaces, by
#: name, and keep the frame to themselves: NumPy's matrix builder, ``np.bmat("a b; c d")``
#: and ``np.r_["a, b"]``/``np.c_["a; b"]`` (a string key), looks ``a`` ... up in the
#: ``f_globals`` and ``f_locals`` of ``sys._getframe().f_back``. Those namespaces are the
#: submission's own when the caller is: allowed only then (the asker's caller is code of
#: the submission's files), never when anything else calls them (the worker calling an op
#: that is ``partial(np.bmat, "args")``, frozen ``Mapping.get`` calling ``np.r_``'s
#: ``__getitem__``), which would read the worker's or the standard library's namespaces.
READ_CALLERS_NAMES = (
    ("numpy.matrixlib.defmatrix", "bmat"),
    ("numpy.lib._index_tricks_impl", "AxisConcatenator.__getitem__"),  # NumPy 2
    ("numpy.lib.index_tricks", "AxisConcatenator.__getitem__"),  # NumPy 1
)

#: The worker's functions that use frames (file in this folder, qualified name); the
#: hook's own call of ``sys._getframe`` is known to it by its code.
WORKER_FRAME_USERS = (
    ("tracing.py", "Tracer.raised"),  # where a student's exception was raised
    ("tracing.py", "Tracer.start"),  # sys.settrace
    ("tracing.py", "Tracer.stop_tracing"),
    ("tracing.py", "Tracer._start_monitoring.<locals>.start"),  # 3.12: sys._getframe
    ("tracing.py", "Tracer._start_monitoring.<locals>.line"),
    ("tracing.py", "Tracer._start_monitoring.<locals>.done"),
    ("engine_calls.py", "kind_of"),  # where an exception was raised: the worker or them
    ("integrity.py", "_guard_state"),  # the guard's functions' defaults, compared
    ("guard.py", "guard.<locals>.hook"),  # who asked, who forked (``_caller``)
)

#: Names whose use marks a line that asks for a frame (or a function's defaults): the
#: code asking must be at such a line. ``PASSES``: names whose use marks a line that calls
#: a helper asking for one (``logging.currentframe``) or draws frames from one
#: (``frame_gen``).
ASKS = frozenset(
    {
        "_getframe",
        "get_frame",
        "_current_frames",
        "settrace",
        "setprofile",
        "tb_frame",
        "__defaults__",
        "__kwdefaults__",
    }
)
PASSES = ASKS | {"currentframe", "frame_gen"}

#: How the names of code from a file (a library's, the submission's) or of the import
#: machinery begin; text compiled by the submission is named otherwise (``<string>``),
#: and the guard refuses it a name that begins so.
FILES = ("/", "<frozen ")

#: The import machinery's code (a library asking while it is imported).
IMPORTING = ("<frozen importlib._bootstrap", "<frozen importlib._bootstrap_external")


def _codes(holders):
    """The code of every function in ``holders`` (namespaces: a module's, a class's), in
    their classes, and nested in them."""
    todo = []
    for namespace in holders:
        for value in list(namespace.values()):
            if isinstance(value, type) and value.__module__ == namespace.get("__name__"):
                todo += [getattr(v, "__func__", v) for v in vars(value).values()]
            else:
                todo.append(value)
    codes = [getattr(value, "__code__", None) for value in todo]
    codes = [c for c in codes if isinstance(c, types.CodeType)]
    while codes:
        code = codes.pop()
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        yield code


def _lines_using(codes, names):
    """``(file, line)`` of each instruction of ``codes`` that reads one of ``names``.

    Only code that holds one of ``names`` (among its names, variables or string
    constants: where every instruction's name comes from) is disassembled: a worker's
    start read the standard helpers' 800-odd functions in 0.25 s of CPU, and a few hold one."""
    return frozenset(
        (code.co_filename, instruction.positions.lineno)
        for code in codes
        if not names.isdisjoint(_names_in(code))
        for instruction in dis.get_instructions(code)
        if instruction.argval in names
        and not instruction.opname.startswith(("STORE_", "DELETE_"))  # a use: a load
        and instruction.positions is not None
        and instruction.positions.lineno is not None
    )


def _names_in(code):
    """Every name an instruction of ``code`` can read: its global and attribute names, its
    variables (local, cell, free) and its string constants."""
    strings = (c for c in code.co_consts if isinstance(c, str))
    return {*code.co_names, *code.co_varnames, *code.co_cellvars, *code.co_freevars, *strings}


def _lines_holding(path, text):
    """The numbers of the lines of the file ``path`` that hold ``text``."""
    try:
        with open(path, encoding="utf-8") as source:
            return [number for number, line in enumerate(source, 1) if text in line]
    except (OSError, UnicodeError):
        return []


def _package_file(module, untrusted):
    """The source file of the installed ``module`` (dotted name), found without importing
    anything (``find_spec`` of a submodule imports its package), or None: not installed,
    not Python source, or under ``untrusted`` (a submission's folder on ``sys.path``)."""
    top, _, rest = module.partition(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if rest:
        places = [
            os.path.join(f, *rest.split(".")) + ".py" for f in spec.submodule_search_locations or ()
        ]
    else:
        places = [spec.origin or ""]
    for path in places:
        if path.endswith(".py") and os.path.isfile(path) and not path.startswith(untrusted):
            return path
    return None


def submission_asker(own_files, untrusted_folders, own_namespaces=()):
    """``asks(frame, making_code=False)``: is the code running in ``frame`` (the innermost
    Python frame when a frame was asked for, or code made: ``making_code``) to be refused,
    by the rules above? ``own_files``: the worker's source files; ``untrusted_folders``:
    where the submission's code lives or may be written; ``own_namespaces``: the worker's
    modules' globals, where :data:`WORKER_FRAME_USERS` are. The lines where the functions
    allowed to ask do so are read from their code (the worker may not read its files)."""
    stdlib = os.path.dirname(os.__file__) + "/"
    keep = frozenset((stdlib + name, qualname) for name, qualname in KEEP_FRAMES_TO_THEMSELVES)
    users = frozenset(
        (own, qualname)
        for own in own_files
        for name, qualname in WORKER_FRAME_USERS
        if own.endswith("/" + name)
    )
    helpers = [
        vars(importlib.import_module(name.removesuffix(".py").removesuffix("/__init__")))
        for name in dict.fromkeys(name for name, _ in KEEP_FRAMES_TO_THEMSELVES)
    ]
    worker = [n for n in own_namespaces if any(n.get("__file__") == f for f, _ in users)]
    helper_codes = [c for c in _codes(helpers) if c.co_filename.startswith(stdlib)]
    user_codes = [c for c in _codes(worker) if (c.co_filename, c.co_qualname) in users]
    asking = _lines_using(helper_codes, ASKS) | _lines_using(user_codes, ASKS | {"_caller"})
    untrusted = tuple(os.path.join(f, "") for f in untrusted_folders)
    in_packages = {}
    for module, qualname in KEEP_IN_PACKAGES + READ_CALLERS_NAMES:
        path = _package_file(module, untrusted)
        if path is not None:
            in_packages[module, qualname] = path
            asking |= {(path, n) for n in _lines_holding(path, "_getframe(")}
    keep |= {(in_packages[key], key[1]) for key in KEEP_IN_PACKAGES if key in in_packages}
    reads_callers = frozenset(
        (in_packages[key], key[1]) for key in READ_CALLERS_NAMES if key in in_packages
    )
    passing = _lines_using(helper_codes, PASSES)
    helper_files = frozenset(c.co_filename for c in helper_codes)

    def asks(
        frame,
        making_code=False,
        _own=frozenset(own_files),
        _users=users,
        _keep=keep,
        _reads_callers=reads_callers,
        _helpers=helper_files,
        _asking=asking,
        _passing=passing,
        _untrusted=untrusted,
        _files=FILES,
        _importing=IMPORTING,
        _sys=sys,
        _getframe=sys._getframe,
    ):
        if frame is None:
            return True
        # Code known to want frames, asking at a line where it asks for one: the worker's
        # own, or a standard function that keeps them, directly or through its helpers;
        # through the real ``sys._getframe``, read off the real ``sys``. Otherwise the
        # line only looks like it asks: ``typing_extensions.sys`` swapped for an object
        # whose ``_getframe`` is a chain of C functions (``partial(next, map(keep,
        # map(sys._getframe, ...)))``) calls the real one with this line innermost, and
        # hands the frame to whoever swapped it.
        code = frame.f_code
        name = code.co_filename
        globals_ = frame.f_globals
        genuine = (
            globals_.get("sys", _sys) is _sys
            and globals_.get("_sys", _sys) is _sys
            and _sys.__dict__.get("_getframe") is _getframe
        )
        if genuine and (name, frame.f_lineno) in _asking:
            if (name, code.co_qualname) in _users or (name, code.co_qualname) in _keep:
                return False
            caller = frame.f_back
            if (name, code.co_qualname) in _reads_callers and caller is not None:
                reads = caller.f_code.co_filename  # whose names it reads: the submission's
                if reads not in _own and reads.startswith(_untrusted):
                    return False
            while caller is not None:
                code = caller.f_code
                name = code.co_filename
                if name not in _helpers or (name, caller.f_lineno) not in _passing:
                    break
                if (name, code.co_qualname) in _keep:
                    return False
                caller = caller.f_back
        # Anything else: refused for the submission's code and the worker's, unless a
        # library's file asked while the import machinery stands between it and them (or,
        # for code being made, the import machinery asked: it compiles what it imports).
        # Not the import machinery asking a frame: it calls a submission's loader.
        asker = frame.f_code.co_filename
        importing = False
        while frame is not None:
            name = frame.f_code.co_filename
            if name in _own or name.startswith(_untrusted) or not name.startswith(_files):
                if not importing:
                    return True
                return not (
                    asker.startswith("/")
                    and asker not in _own
                    and not asker.startswith(_untrusted)
                    or making_code
                    and asker.startswith(_importing)
                )
            if name.startswith(_importing):
                importing = True
            frame = frame.f_back
        return True

    return asks
