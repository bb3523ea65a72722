"""The static policy's default lists: which modules a submission may import, which names
and attributes it may not use (:mod:`graders.sandbox.policy` says how they are applied).

An assignment replaces any of them in ``[policy]`` of assignment.toml
(:class:`graders.sandbox.policy_rules.Policy`); ``chaingrade policy`` prints the lists an
assignment uses.
"""

from __future__ import annotations

#: Standard modules a submission may import: numbers, containers, text and plain
#: utilities, none of which computes derivatives or reaches the grader. The rest of the
#: standard library (``os``, ``sys``, ``io``, ``ctypes``, ``subprocess``, ``importlib``,
#: ``gc``, ``inspect``, ``builtins``, ``pickle``, ``marshal``, ``types``, ``traceback``,
#: ``json``, the worker's reply path, ...) reaches files, processes or the interpreter, and
#: is not allowed unless an assignment lists it. numpy is listed too, for assignments that
#: allow only what they list (``other_imports = "forbidden"``).
DEFAULT_IMPORTS = (
    "__future__",
    "abc",
    "array",
    "bisect",
    "cmath",
    "collections",
    "contextlib",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "graphlib",
    "heapq",
    "itertools",
    "keyword",
    "math",
    "numbers",
    "operator",
    "pprint",
    "queue",
    "random",
    "re",
    "reprlib",
    "statistics",
    "string",
    "textwrap",
    "time",
    "typing",
    "warnings",
    "weakref",
    "numpy",
)
#: Libraries that compute derivatives (automatically, symbolically or numerically): any of
#: them could stand in for the engine the student is asked to write.
STAND_INS = (
    "mygrad",
    "torch",
    "functorch",
    "jax",
    "jaxlib",
    "flax",
    "equinox",
    "haiku",
    "autograd",
    "tangent",
    "tensorflow",
    "keras",
    "tf_keras",
    "theano",
    "aesara",
    "pytensor",
    "mxnet",
    "chainer",
    "dezero",
    "paddle",
    "mindspore",
    "oneflow",
    "jittor",
    "mlx",
    "tinygrad",
    "micrograd",
    "sympy",
    "symengine",
    "casadi",
    "algopy",
    "ad",
    "uncertainties",
    "numdifftools",
)
#: chaingrade's own packages: the grader, its strategies (and through them the bundled
#: solutions).
GRADER_PACKAGES = ("graders", "strategies", "chaingrade")
#: Installed packages made to reach processes, memory, the network or the interpreter's
#: objects, or to run text as code (a YAML tag, a template, an expression string): the
#: standard library's own are forbidden as standard modules not listed. Any other
#: installed module is allowed (``other_imports``).
REACHING_PACKAGES = (
    "psutil",
    "dill",
    "cloudpickle",
    "cffi",
    "pexpect",
    "sh",
    "plumbum",
    "joblib",
    "dask",
    "distributed",
    "yaml",
    "jinja2",
    "numexpr",
    "requests",
    "urllib3",
    "httpx",
    "tornado",
    "pytest",  # importorskip imports any module by name, monkeypatch sets anything
)
DEFAULT_FORBIDDEN_IMPORTS = STAND_INS + GRADER_PACKAGES + REACHING_PACKAGES
#: Standard modules of which a few attributes may be used though the module is not
#: allowed: ``sys.setrecursionlimit(10000)`` for a recursive reverse pass, and attributes
#: that only read a number or print. Any other use of the module is a violation.
PARTLY_ALLOWED = {
    "sys": frozenset(
        {
            "setrecursionlimit",
            "getrecursionlimit",
            "float_info",
            "int_info",
            "maxsize",
            "version_info",
            "platform",
            "byteorder",
            "stdout",
            "stderr",
        }
    )
}
#: What ``other_imports`` may say about a module that no list names and that is not
#: standard: allowed (a course's own dependencies: matplotlib, graphviz, numba, ...), or
#: forbidden (only what ``allowed_imports`` lists).
OTHER_IMPORTS = ("allowed", "forbidden")
DEFAULT_NAMES = (
    "eval",
    "exec",
    "compile",
    "__import__",
    "globals",
    "locals",
    "vars",
    "open",
    "breakpoint",
    "input",
    "exit",
    "quit",
    "help",
    "__builtins__",
    "__loader__",
    "__spec__",
)
DEFAULT_ATTRIBUTES = (
    # functions, frames, tracebacks and generators: the way into another module's globals
    "__globals__",
    "__builtins__",
    "__code__",
    "__closure__",
    "__defaults__",
    "__kwdefaults__",
    "__func__",
    "__self__",
    "__wrapped__",
    "__traceback__",
    "__getattribute__",
    "f_globals",
    "f_locals",
    "f_back",
    "f_builtins",
    "f_code",
    "f_trace",
    "tb_frame",
    "tb_next",
    "gi_frame",
    "gi_code",
    "cr_frame",
    "cr_code",
    "ag_frame",
    "ag_code",
    "co_code",
    "co_consts",
    "co_names",
    # class internals: the way to every class (and function) in the process
    "__subclasses__",
    "__bases__",
    "__base__",
    "__mro__",
    "__reduce__",
    "__reduce_ex__",
    "__loader__",
    "__spec__",
    "__import__",
    # modules reachable as attributes of allowed ones
    "sys",
    "_sys",
    "os",
    "_os",
    "builtins",
    "ctypes",
    "ctypeslib",
    "subprocess",
    "importlib",
    "gc",
    "inspect",
    "socket",
    "shutil",
    "pathlib",
    "signal",
    "threading",
    "multiprocessing",
    "pickle",
    "marshal",
    "runpy",
    # files
    "tofile",
    "fromfile",
    "memmap",
    "load",
    "loadtxt",
    "genfromtxt",
    "fromregex",
    "save",
    "savez",
    "savez_compressed",
    "savetxt",
    "DataSource",
)
#: Of ``forbidden_attributes``, the names that are forbidden only on a module the
#: submission imported (``np.load``), not on its own objects (``self.load``).
MODULE_ONLY = frozenset(
    {
        "load",
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "loadtxt",
        "genfromtxt",
        "fromregex",
        "memmap",
        "fromfile",
        "DataSource",
    }
)
