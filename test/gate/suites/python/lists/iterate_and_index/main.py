def a():
    pass


def b():
    pass


ls = [a, b]
for fn in ls:
    fn()
