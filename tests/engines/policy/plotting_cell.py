# A notebook's plotting cell (micrograd's demo notebook and course notebooks plot the
# function they differentiate): tests/test_policy.py puts it in a code cell after the
# engine's cells. It runs when the notebook is imported for grading; matplotlib is an
# installed module the policy allows, and nothing here touches the grade.
import matplotlib

matplotlib.use("Agg")  # no window: a notebook's inline backend is not there when graded
import matplotlib.pyplot as plt  # noqa: E402

xs = [i / 10 for i in range(-30, 31)]
ys = [tanh(tensor(x)).data for x in xs]  # noqa: F821 (defined by the engine's cells)
plt.plot(xs, ys)
plt.title("tanh")
