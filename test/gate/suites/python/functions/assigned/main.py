def compute():
    pass


alias = compute


def run():
    alias()


run()
