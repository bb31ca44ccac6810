class Amount:
    def __str__(self):
        return "1.00"

    def __repr__(self):
        return "Amount()"

    def __hash__(self):
        return 1


class Rate:
    def __format__(self, spec):
        return "5%"

    def __float__(self):
        return 0.05


def label(a: Amount, r: Rate):
    return f"{a} at {r:>4} ({a!r})"


def convert(a: Amount, r: Rate):
    return str(a), repr(a), hash(a), float(r), format(r, "x")
