"""minitorch's scaffold around a student's Module 1 engine, as the course hands it out:
the package exports every module's names (``from .scalar import *``, ...). ``scalar.py`` is
the engine (``tests/test_policy.py`` copies in ``tests/engines/families/minitorch_scalar.py``);
the other modules reproduce the scaffold's imports that the static policy once refused:
``random`` (``datasets.py``), ``queue`` and ``typing_extensions`` (``util.py``), numba loaded
only when a fast backend is built (``fast_ops.py``), and ``testing.py``'s ``getattr`` over
``dir()``. Expected: full marks with ``--api minitorch``.
"""

from .datasets import *  # noqa: F403
from .fast_ops import *  # noqa: F403
from .scalar import *  # noqa: F403
from .testing import MathTest, MathTestVariable  # noqa: F401
from .util import *  # noqa: F403
