from .b import f


def g():
    f()
