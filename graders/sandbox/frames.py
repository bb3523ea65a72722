"""Who may have a frame: what the worker's guard asks when code reaches for one.

A frame leads everywhere: ``f_back`` to its callers (the worker's own ``serve`` among
them), ``f_globals`` and ``f_locals`` to their namespaces, and no audit event guards any
of the three. What hands a frame out does raise one: ``sys._getframe``,
``sys._current_frames``, a traceback's ``tb_frame``, a generator's or coroutine's
``gi_frame``/``cr_frame``/``ag_frame`` (``object.__getattr__``), and a trace or profile
function, which is called with frames (``sys.settrace``, ``sys.setprofile``). The guard's
hook refuses each when :func:`submission_asker` says the submission is asking.

The standard library and installed packages use frames for their own ends (``namedtuple``
and ``typing`` read the caller's module name, ``logging`` its line, ``traceback`` prints
them): that must never cost a correct engine anything. So the question is who asked, read
from the frames between the code that asked and the nearest of the submission's own:

* the worker's own code asked (its tracer, its reading of tracebacks): allowed;
* the submission's code asked itself (its file, or code compiled from text): refused;
* the standard library asked for the submission: allowed only through a function that
  keeps the frame to itself (:data:`KEEP_FRAMES_TO_THEMSELVES`); ``inspect.currentframe``
  or ``traceback.walk_stack`` hand it over, and are refused;
* an installed package or the import machinery stands between them: allowed (a library
  imported, or called, does what it does for itself).

Standard library only (loaded with the worker, by path). Everything the check uses is a
default argument, captured when the guard goes up (see ``guard.py``: a default can only
be rewritten with an audit event the hook reports).
"""

import os

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


#: How the names of code from a file (a library's, the submission's) or of the import
#: machinery begin; text compiled by the submission is named otherwise (``<string>``),
#: and the guard refuses it a name that begins so.
FILES = ("/", "<frozen ")


def submission_asker(own_files, untrusted_folders):
    """``asks(frame)``: is the code running in ``frame`` (the one that asked for a frame)
    the submission's, by the rules above? ``own_files``: the worker's source files;
    ``untrusted_folders``: where the submission's code lives or may be written."""
    stdlib = os.path.dirname(os.__file__) + "/"
    keep = frozenset((stdlib + name, qualname) for name, qualname in KEEP_FRAMES_TO_THEMSELVES)
    untrusted = tuple(os.path.join(f, "") for f in untrusted_folders)

    def asks(
        frame,
        _own=frozenset(own_files),
        _untrusted=untrusted,
        _stdlib=stdlib,
        _keep=keep,
        _files=FILES,
    ):
        vouched = False  # a library, or a function that keeps frames, stands between
        while frame is not None:
            code = frame.f_code
            name = code.co_filename
            if name in _own:
                return False
            if name.startswith(_untrusted) or not name.startswith(_files):
                return not vouched
            if (
                not name.startswith(_stdlib)
                or "/site-packages/" in name
                or "/dist-packages/" in name
                or (name, code.co_qualname) in _keep
            ):
                vouched = True
            frame = frame.f_back
        return False

    return asks
