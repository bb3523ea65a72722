"""Every message of the protocol (``graders.sandbox.protocol``) through a real worker.

What the runner sends is one of the protocol's TypedDicts, every key of every reply the
worker sends is one they list, and every key they list is sent by some message: so the
types cannot drift from what the worker says again (they had: ``"kind": "sandbox"`` was
sent but not listed, ``copy`` missing from ``Reply``, the traced job and its outcome's
``trace`` unlisted). The kinds of error the worker's source can send are checked too,
since some (``sandbox``: the machine's fault) cannot be provoked here.
"""

from __future__ import annotations

import ast
import json
import typing
from pathlib import Path

import pytest

from graders.model.composition import Composition, Node
from graders.presets import PRESETS
from graders.sandbox import protocol
from graders.sandbox.channel import Channel
from graders.sandbox.runner import Runner, SubmissionError

ROOT = Path(__file__).resolve().parent.parent
SCALAR = ROOT / "assignments" / "scalar_autodiff" / "solution" / "engine.py"
TENSOR = ROOT / "assignments" / "tensor_autodiff" / "solution" / "engine.py"
SANDBOX = ROOT / "graders" / "sandbox"
JOBS = typing.get_args(protocol.Job)


def keys(typed: type) -> set[str]:
    return set(typing.get_type_hints(typed))


@pytest.fixture(scope="module")
def wire(tmp_path_factory) -> dict[str, list[dict]]:
    """What was sent and received on the pipes while real workers served one message of
    each kind (a correct scalar engine under ``--api auto``, the tensor solution, and a
    submission that does not import)."""
    sent: list[dict] = []
    received: list[dict] = []
    send, receive = Channel.send, Channel.receive

    def recording_send(self, data, deadline):
        sent.append(json.loads(data))
        return send(self, data, deadline)

    def recording_receive(self, timeout):
        reply = receive(self, timeout)
        if reply is not None:
            received.append(reply)
        return reply

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Channel, "send", recording_send)
        patch.setattr(Channel, "receive", recording_receive)
        folder = tmp_path_factory.mktemp("submissions")
        _scalar_messages(folder)
        _array_messages()
        _a_submission_that_does_not_import(folder)
    return {"sent": sent, "received": received}


def _scalar_messages(folder: Path) -> None:
    engine = folder / "engine.py"  # the solution, and a function a call job can call
    engine.write_text(SCALAR.read_text() + "\n\ndef double(x):\n    return 2.0 * x\n")
    composition = Composition(("x", "y"), (Node("mul", (0, 1)), Node("sin", (2,))), ("a", "b"))
    point = [[0.5, 1.5]]
    with Runner(engine, "auto") as runner:  # the api reply, the api request, a part
        runner.run(
            [
                {"composition": composition.to_json(), "points": point},
                {"composition": composition.to_json(), "points": point, "packed": True},
                {"composition": composition.to_json(), "points": point, "backward_at": [2]},
                {"call": "double", "points": [[0.5]]},
                {"call": "no_such_function", "points": [[0.5]]},  # an error outcome
                {
                    "trace": composition.to_json(),
                    "points": point,
                    "folder": str(runner.home / "submission"),
                    "watch": [0],
                },
            ]
        )
        runner.next_part()  # exit, the zygote's word that the copy exited, a new part


def _array_messages() -> None:
    composition = {
        "inputs": [{"name": "x", "shape": [2], "box": [-1.0, 1.0], "distinct": False}],
        "names": ["x", "s"],
        "nodes": [{"op": "sum", "args": [0], "params": {"axis": None, "keepdims": False}}],
    }
    with Runner(TENSOR, PRESETS["mygrad"]) as runner:
        runner.run([{"array_composition": composition, "points": [[[0.5, -0.25]]]}])


def _a_submission_that_does_not_import(folder: Path) -> None:
    broken = folder / "broken" / "engine.py"
    broken.parent.mkdir()
    broken.write_text((ROOT / "tests" / "engines" / "hostile" / "syntax_error.txt").read_text())
    with pytest.raises(SubmissionError), Runner(broken, PRESETS["mygrad"]):
        pass


def test_every_request_is_a_request_and_every_job_one_of_the_jobs(wire):
    for request in wire["sent"]:
        assert set(request) <= keys(protocol.Request), request
        for job in request.get("jobs", ()):
            assert any(set(job) <= keys(kind) for kind in JOBS), job
    sent = set().union(*(set(r) for r in wire["sent"]))
    assert sent == keys(protocol.Request)
    jobs = [job for r in wire["sent"] for job in r.get("jobs", ())]
    for kind in JOBS:  # each kind of job went through the worker
        required = {k for k in keys(kind) if k in kind.__required_keys__}
        assert any(required <= set(job) <= keys(kind) for job in jobs), kind.__name__


#: Reply keys only a situation these in-process runs cannot make sends: ``capabilities``
#: (a root worker that could not drop them: the grading process itself must lack
#: CAP_SETPCAP), sent through a real worker by tests/test_sandbox_root_notes.py, whose
#: note is made of it.
SITUATIONAL = {"capabilities"}


def test_every_reply_holds_only_what_reply_lists_and_all_of_it_is_sent(wire):
    for reply in wire["received"]:
        assert set(reply) <= keys(protocol.Reply), reply
    received = set().union(*(set(r) for r in wire["received"]))
    assert received == keys(protocol.Reply) - SITUATIONAL
    assert SITUATIONAL <= keys(protocol.Reply)


def test_every_outcome_holds_only_what_outcome_lists_and_all_of_it_is_sent(wire):
    outcomes, packed = [], []
    for reply in wire["received"]:
        for result in reply.get("results", ()):
            (packed.append(result) if isinstance(result, dict) else outcomes.extend(result))
    assert packed and all(set(p) == keys(protocol.Packed) for p in packed)
    for outcome in outcomes:
        assert set(outcome) <= keys(protocol.Outcome), outcome
    assert set().union(*(set(o) for o in outcomes)) == keys(protocol.Outcome)
    errors = [o["error"] for o in outcomes if "error" in o]
    errors += [r["error"] for r in wire["received"] if "error" in r]
    assert {"kind", "message"} <= set().union(*(set(e) for e in errors))
    for error in errors:
        assert set(error) <= keys(protocol.ErrorInfo)
        assert error["kind"] in _error_kinds()


def _error_kinds() -> tuple[str, ...]:
    return typing.get_args(typing.get_type_hints(protocol.ErrorInfo)["kind"])


def test_every_kind_of_error_the_worker_can_send_is_listed():
    """Read from the worker's source: ``"kind": ...`` in a message, a ``BuildError``'s
    kind, a value given to ``kind``."""
    found = set()
    for path in SANDBOX.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            values = []
            if isinstance(node, ast.Dict):
                values = [
                    v
                    for k, v in zip(node.keys, node.values)
                    if isinstance(k, ast.Constant) and k.value == "kind"
                ]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "BuildError":
                values = node.args[:1]
            elif isinstance(node, ast.Assign) and any(
                getattr(t, "id", "") == "kind" for t in node.targets
            ):
                values = [node.value]
            for value in values:
                found |= {
                    c.value
                    for c in ast.walk(value)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                }
    assert {"sandbox", "api", "syntax", "import", "missing", "error"} <= found
    assert found <= set(_error_kinds()), found - set(_error_kinds())
