"""A student's package named ``micrograd``, laid out as karpathy/micrograd is: ``engine.py``
holds ``Value`` (``tests/test_policy.py`` copies in ``tests/engines/correct/
closures_micrograd.py``), ``nn.py`` a small network, and the modules import each other by
absolute name (``from micrograd.engine import Value``), as the course's code does. PyPI's
``micrograd`` is installed where the tests run: the student's own package is the one
graded. Expected: full marks with ``--api micrograd``.
"""

from micrograd.engine import Value  # noqa: F401
from micrograd.nn import MLP, Layer, Neuron  # noqa: F401
