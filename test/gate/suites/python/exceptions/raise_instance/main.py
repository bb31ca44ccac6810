class PaymentError(Exception):
    def __init__(self, msg):
        self.msg = msg


def charge(x):
    if x < 0:
        raise PaymentError("negative")
    return x


try:
    charge(1)
except PaymentError:
    pass
