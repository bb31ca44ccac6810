class Ledger:
    def __init__(self):
        self.n = 0

    def __iter__(self):
        return self

    def __next__(self):
        return self.step()

    def step(self):
        self.n += 1
        return self.n


def total():
    s = 0
    for x in Ledger():
        s += x
    return s


total()
