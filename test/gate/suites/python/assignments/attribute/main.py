class Handler:
    def run(self):
        pass


class Svc:
    def __init__(self, h):
        self.handler = h

    def go(self):
        self.handler.run()


Svc(Handler()).go()
