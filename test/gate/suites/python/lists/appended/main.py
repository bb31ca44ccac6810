HOOKS = []
CHECKS = set()


def hook(fn):
    HOOKS.append(fn)
    return fn


@hook
def limit(a):
    return a < 100


def fraud(a):
    return a > 5


def card(a):
    return a * 2


CHECKS.add(fraud)
HOOKS.extend([card])


def approve(a):
    for h in HOOKS:
        h(a)
    for c in CHECKS:
        c(a)


approve(3)
