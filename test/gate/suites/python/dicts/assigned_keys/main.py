def a():
    pass


def b():
    pass


table = {}
table["a"] = a
table["b"] = b
table.get("a")()
