"""minitorch's ``tensor_data.py`` (Module 2): numba is imported at the top. Where numba is
not installed, a package that imports this module cannot be imported: the finding must
name the module, this file and line, and say how to install it (``pip install numba``),
never call it a policy violation. ``tests/test_policy.py`` adds ``from .tensor_data import
*`` to ``__init__.py`` and renames numba to a module no machine has (the test extra
installs numba itself).
"""

import numba
import numpy as np
from typing_extensions import TypeAlias  # noqa: UP035 (as the course writes it)

Index: TypeAlias = np.ndarray


@numba.njit
def index_to_position(index: Index, strides: Index) -> int:
    return int((index * strides).sum())
