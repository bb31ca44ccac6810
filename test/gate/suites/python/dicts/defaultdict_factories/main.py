from collections import defaultdict


def refund(a):
    return a


def card(a):
    return a


def wire(a):
    return a


class Ledger:
    def post(self, a):
        return a


FALLBACK = defaultdict(lambda: refund)
BY_KIND = defaultdict(list)
LEDGERS = defaultdict(Ledger)

BY_KIND["card"] += [card]
BY_KIND["wire"] += (wire,)


def run(k):
    FALLBACK[k](1)
    for f in BY_KIND[k]:
        f(2)
    LEDGERS[k].post(3)


run("card")
