def first():
    pass


def second():
    pass


a = b = first
c = b
c()
x, y = second, second
y()
