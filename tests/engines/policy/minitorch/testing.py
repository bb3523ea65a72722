"""minitorch's ``testing.py``: the course's table of test functions, gathered by name from
``dir()`` with ``getattr`` (a computed name, taken only from what the class lists)."""

import minitorch.scalar as operators


class MathTest:
    @staticmethod
    def neg(a):
        return -a

    @staticmethod
    def add_constant(a):
        return 5 + a

    @staticmethod
    def sig(a):
        return operators.sigmoid(a)

    @staticmethod
    def log(a):
        return operators.log(a + 100000)

    @staticmethod
    def add2(a, b):
        return a + b

    @classmethod
    def _tests(cls):
        one_arg, two_arg = [], []
        for k in dir(MathTest):
            if callable(getattr(MathTest, k)) and not k.startswith("_"):
                base_fn = getattr(MathTest, k)
                scalar_fn = getattr(cls, k)
                (two_arg if k.endswith("2") else one_arg).append((k, base_fn, scalar_fn))
        return one_arg, two_arg


class MathTestVariable(MathTest):
    @staticmethod
    def sig(x):
        return x.sigmoid()

    @staticmethod
    def log(x):
        return (x + 100000).log()
