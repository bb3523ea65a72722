# ruff: noqa: F821
"""Broken: the submission imports a module that is not installed.

Expected: every part scores zero with a finding "the submission could not be imported"
that names the module.
"""

import chaingrade_no_such_module  # noqa: F401
