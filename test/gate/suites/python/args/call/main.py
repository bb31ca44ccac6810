def func2():
    pass


def func(a):
    a()


func(func2)
