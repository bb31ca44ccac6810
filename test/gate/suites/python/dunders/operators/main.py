class Money:
    def __init__(self, cents):
        self.cents = cents

    def __add__(self, other):
        return Money(self.cents + other.cents)

    def __radd__(self, other):
        return Money(self.cents)

    def __iadd__(self, other):
        return self

    def __neg__(self):
        return Money(-self.cents)

    def __eq__(self, other):
        return self.cents == other.cents

    def __lt__(self, other):
        return self.cents < other.cents

    def __bool__(self):
        return self.cents != 0

    def allocate(self):
        return [self]


def total(a: Money, b: Money):
    return (a + b).allocate()


def start(b: Money):
    return 0 + b


def accumulate(a: Money, b: Money):
    a += b


def compare(a: Money, b: Money):
    return a == b or b > a


def refund(a: Money):
    if not a:
        return -a


def unknown(x, y):
    return x + y < -x


def summed(a: Money, b: Money):
    return sum([a, b])


total(Money(1), Money(2))
