"""What makes grading faster changes nothing graded (issue 25): the numbers themselves are
measured in benchmarks/ (grading_speed.py, tensor_speed.py), never asserted here."""

import dis
import importlib

from graders.sandbox import frames


def _full_disassembly(codes, names):
    """``frames._lines_using`` as it was: every instruction of every code read."""
    return frozenset(
        (code.co_filename, instruction.positions.lineno)
        for code in codes
        for instruction in dis.get_instructions(code)
        if instruction.argval in names
        and not instruction.opname.startswith(("STORE_", "DELETE_"))
        and instruction.positions is not None
        and instruction.positions.lineno is not None
    )


def test_the_lines_that_ask_for_frames_are_those_a_full_disassembly_finds():
    """The worker reads only the code that names what asks for a frame: the same lines
    as reading all of it, in the standard helpers and in chaingrade's worker modules."""
    names = dict.fromkeys(name for name, _ in frames.KEEP_FRAMES_TO_THEMSELVES)
    modules = [n.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for n in names]
    modules += ["graders.sandbox.guard", "graders.sandbox.tracing", "graders.sandbox.integrity"]
    holders = [vars(importlib.import_module(m)) for m in modules]
    codes = list(frames._codes(holders))
    for asked in (frames.ASKS, frames.PASSES, frames.ASKS | {"_caller"}):
        found = frames._lines_using(codes, asked)
        assert found == _full_disassembly(codes, asked)
        assert found  # the helpers do ask: the comparison is not of two empty sets
