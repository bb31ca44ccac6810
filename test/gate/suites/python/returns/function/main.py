def handler():
    pass


def get():
    return handler


def make():
    return get()


make()()
