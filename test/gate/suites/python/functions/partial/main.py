from functools import partial


def fee(rate, x):
    return x * rate


f = partial(fee, 2)
f(10)
