"""Fee schedule. Basis points and integer cents only: no floating point on money."""

NETWORK_FEES_BPS = {"visa": 290, "mastercard": 285, "amex": 350}
FIXED_FEE_CENTS = 30


def compute_fee(amount_cents, network):
    bps = NETWORK_FEES_BPS.get(network)
    if bps is None:
        raise ValueError(f"unknown card network {network!r}")
    # round half up in integer arithmetic
    return (amount_cents * bps + 5_000) // 10_000 + FIXED_FEE_CENTS
