# The book's own import style.
# ruff: noqa: F401, I001
# Steps 23 to 32 use the simple core (the book's dezero/__init__.py).
is_simple_core = True

if is_simple_core:
    from dezero.core_simple import Variable
    from dezero.core_simple import Function
    from dezero.core_simple import using_config
    from dezero.core_simple import no_grad
    from dezero.core_simple import as_array
    from dezero.core_simple import as_variable
    from dezero.core_simple import setup_variable
else:
    from dezero.core import Variable
    from dezero.core import Function
    import dezero.datasets

setup_variable()
