def double(x):
    return x * 2


f = lambda x: double(x)
g = lambda: f(1)
g()


def outer():
    h = lambda: double(2)
    return h()


outer()
