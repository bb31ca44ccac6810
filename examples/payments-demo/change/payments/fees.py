"""Fee schedule."""

NETWORK_FEES = {"visa": 0.029, "mastercard": 0.0285, "amex": 0.035, "discover": 0.031}
FIXED_FEE = 0.30


def compute_fee(amount_cents, network):
    rate = NETWORK_FEES.get(network, 0.029)
    # TODO: confirm rounding with finance
    return round(float(amount_cents) / 100 * rate + FIXED_FEE, 2)
