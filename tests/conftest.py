"""Hypothesis profiles for the project's own tests.

``dev`` (the default) keeps a local run quick; ``ci`` (chosen when ``CI`` is set, as in
``.ci/run``, or with ``HYPOTHESIS_PROFILE=ci``) runs more examples, derandomized so a
red run can be reproduced.
"""

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
