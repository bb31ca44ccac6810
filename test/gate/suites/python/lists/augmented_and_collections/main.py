from collections import defaultdict, deque

HOOKS = []
HANDLERS = {}
QUEUE = deque()
BY_KIND = defaultdict(list)


def limit(a):
    return a


def bank(a):
    return a


def card(a):
    return a


def wire(a):
    return a


def queued(a):
    return a


def kind(a):
    return a


def unused(a):
    return a


HOOKS += [limit]
CHAIN = HOOKS + [bank]
OTHER = [] + [unused]
HANDLERS.update({"card": card})
HANDLERS.update(wire=wire)
QUEUE.append(queued)
BY_KIND["k"].append(kind)


def run(k):
    for h in CHAIN:
        h(1)
    HANDLERS[k](2)
    QUEUE.popleft()(3)
    for f in BY_KIND[k]:
        f(4)


run("card")
