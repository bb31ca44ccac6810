"""Double-entry postings for charges."""


def post_charge(account, amount_cents, fee_cents):
    update_balance(account, -amount_cents)
    update_balance(account.fee_account, fee_cents)
    return {"account": account.id, "amount_cents": amount_cents, "fee_cents": fee_cents}


def update_balance(account, delta_cents):
    account.balance_cents += delta_cents
