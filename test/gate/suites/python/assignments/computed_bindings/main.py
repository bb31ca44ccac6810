def fee_helper():
    return 0.01


def build_fees():
    return {"card": fee_helper()}


def compute_rate():
    return 2


def settle(a):
    return a


FEES = build_fees()
pay = settle


class Loan:
    RATE = compute_rate()

    def interest(self, p):
        return p * self.RATE


Loan().interest(1)
