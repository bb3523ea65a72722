# The book's own import style.
# ruff: noqa: F401, I001
# Steps 23 to 32 use the simple core; from step 33 on, the full one (the book's flag).
is_simple_core = False

if is_simple_core:
    from dezero.core_simple import Variable
else:
    from dezero.core import Variable
    from dezero.core import Function
    from dezero.core import using_config
    from dezero.core import no_grad
    from dezero.core import as_array
    from dezero.core import as_variable
    from dezero.core import setup_variable
    from dezero.core import Config
    from dezero.datasets import Dataset

    import dezero.datasets
    import dezero.functions
    import dezero.utils

setup_variable()
__version__ = "0.0.13"
