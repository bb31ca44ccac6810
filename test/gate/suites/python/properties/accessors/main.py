def audit(x):
    return x


def store(x):
    return x


class Loan:
    def __init__(self, principal):
        self.principal = principal

    @property
    def outstanding(self):
        return audit(self.principal)

    @outstanding.setter
    def outstanding(self, value):
        store(value)

    @outstanding.deleter
    def outstanding(self):
        pass

    def describe(self):
        return self.outstanding


def read(loan: Loan):
    return loan.outstanding


def write(loan: Loan):
    loan.outstanding = 0


def forget(loan: Loan):
    del loan.outstanding


def principal(loan: Loan):
    return loan.principal


read(Loan(1))
