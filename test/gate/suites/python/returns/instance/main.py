class Svc:
    def run(self):
        pass


def build():
    return Svc()


build().run()
