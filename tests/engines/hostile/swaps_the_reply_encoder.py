# ruff: noqa: F821
"""Rewrite the worker's replies by swapping json's module-level encoder, which
``json.dumps`` looks up at every call: no audit event, and outside what the integrity
check compares (``json.dumps`` itself is untouched). The swapped encoder renames the
gradients in every reply and writes it twice. Its own engine has a wrong ``cos``.

Expected: the replies are the worker's own (written with json's C encoder, captured
before the submission ran): the score its own engine earns, cos charged.
"""

import json


class _Rewriting(json.JSONEncoder):
    def encode(self, o):
        text = super().encode(o)
        return text.replace('"grads"', '"grads_rewritten"') + "\n" + text


json._default_encoder = _Rewriting()


def cos(x):
    return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign
