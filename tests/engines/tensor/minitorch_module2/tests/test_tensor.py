import minitorch


def test_create():
    t = minitorch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.shape == (2, 2)
