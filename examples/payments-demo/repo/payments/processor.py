"""Card payment processing: the regulated entry point."""
import logging

from payments.cards import mask_pan
from payments.fees import compute_fee
from payments.ledger import post_charge

log = logging.getLogger(__name__)


class PaymentError(Exception):
    pass


def process_payment(account, amount_cents, card):
    """Charge `amount_cents` (integer cents) to `card` for `account`."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise PaymentError("amount must be a positive integer number of cents")
    fee = compute_fee(amount_cents, card.network)
    log.info("charging account %s card %s", account.id, mask_pan(card.number))
    return post_charge(account, amount_cents, fee)
