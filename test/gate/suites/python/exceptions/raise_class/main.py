class Declined(Exception):
    def __init__(self):
        self.code = 51


def authorise(ok):
    if not ok:
        raise Declined


authorise(True)
