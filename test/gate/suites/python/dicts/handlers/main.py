def pay_card(amount):
    return amount


def pay_bank(amount):
    return amount


HANDLERS = {"card": pay_card, "bank": pay_bank}


def dispatch(kind, amount):
    return HANDLERS[kind](amount)


dispatch("card", 1)
