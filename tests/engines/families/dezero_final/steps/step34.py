# The book's own header.
# ruff: noqa: E401, I001, B007
if "__file__" in globals():
    import os, sys

    sys.path.append(os.path.join(os.path.dirname(__file__), ".."))

import numpy as np

from dezero import Variable
import dezero.functions as F

x = Variable(np.linspace(-7, 7, 20))
y = F.sin(x)
y.backward(create_graph=True)

logs = [y.data]
for i in range(3):
    logs.append(x.grad.data)
    gx = x.grad
    x.cleargrad()
    gx.backward(create_graph=True)
