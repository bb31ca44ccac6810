import dataclasses
from dataclasses import dataclass


def validate(amount):
    return amount


@dataclass
class Payment:
    amount: int

    def __post_init__(self):
        validate(self.amount)


@dataclasses.dataclass(frozen=True)
class Refund(Payment):
    reason: str = ""


@dataclass
class Manual:
    def __init__(self):
        pass

    def __post_init__(self):
        validate(0)


def pay():
    return Payment(1)


def refund():
    return Refund(1)


def manual():
    return Manual()
