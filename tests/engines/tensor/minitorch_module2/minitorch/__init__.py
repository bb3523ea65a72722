"""A finished minitorch Module 2 (tensors), as a student hands it in: our own code, written
to reproduce the family (minitorch/Module-2 on GitHub) and its conventions, for
``tests/test_minitorch_tensor.py``.

What makes it minitorch, and what chaingrade must respect (``api = "minitorch_tensor"``):

- the package re-exports its modules with ``import *``; ``tensor(list)`` makes a leaf
  from nested lists (an ndarray is not a list to it), ``tensor_data.py`` imports numba;
- ops are ``Function`` classes (``forward``/``backward`` on Tensors), reached through
  ``Tensor`` methods and operators: ``x + y``, ``x * y``, ``x - y`` (``x + -y``), ``x / y``
  (``x * Inv(y)``), ``-x``, ``x.exp()``, ``x.log()``, ``x.sigmoid()``, ``x.relu()``; no
  ``**``, ``tanh``, ``sin``, ``cos``, ``sqrt``, ``max``, ``broadcast_to`` or matmul
  (Module 3);
- ``x.sum(dim)`` and ``x.mean(dim)`` reduce one int axis and keep it (size 1); ``x.sum()``
  reduces everything to shape (1,): there are no 0-d tensors;
- ``x.permute(*order)`` and ``x.view(*shape)`` take their axes unpacked; ``view`` needs a
  contiguous tensor (a permuted one is not);
- operands broadcast implicitly, and ``Tensor.expand`` (the course's code, not the
  student's) sums each gradient back to its input's shape;
- ``backward()`` only on a one-element output; gradients are Tensors on leaves alone
  (``x.grad.to_numpy()``), accumulated by a reverse topological walk.
"""

from .autodiff import *  # noqa: F401,F403
from .tensor import *  # noqa: F401,F403
from .tensor_data import *  # noqa: F401,F403
from .tensor_functions import *  # noqa: F401,F403
from .tensor_ops import *  # noqa: F401,F403
