# ruff: noqa: F821
"""Exhaust memory: ``exp`` asks for 30 GB at once, ``log`` for 32 GB through NumPy,
``sqrt`` keeps taking 256 MB blocks without end.

Expected: the address-space limit refuses each at once (MemoryError): ``error`` findings
for exp, log and sqrt within seconds; every other op graded as usual.
"""


def exp(x):
    block = bytearray(30 * 1024**3)
    return block


def log(x):
    import numpy

    return numpy.ones(4 * 1024**3)


def sqrt(x):
    import numpy

    blocks = []
    while True:
        blocks.append(numpy.empty(32 * 1024**2))
