def calc(x):
    return x
