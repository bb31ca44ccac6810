def callee(x):
    return x


def caller(f, value):
    g = f
    return g(value)


caller(callee, 5)
