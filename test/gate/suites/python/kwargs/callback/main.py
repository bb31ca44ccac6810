def target():
    pass


def call(cb=None):
    cb()


call(cb=target)
