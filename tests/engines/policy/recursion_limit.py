"""micrograd forks: ``build_topo`` is recursive, so deep graphs need a higher recursion
limit, and the fork raises it when the module is imported (appended to a micrograd engine).

Expected: full marks. Of ``sys``, ``setrecursionlimit`` is allowed; ``sys`` itself is not.
"""

import sys

sys.setrecursionlimit(10000)
