"""Card helpers. Never log or store a full PAN (PCI DSS requirement 3)."""


def mask_pan(pan):
    digits = "".join(ch for ch in pan if ch.isdigit())
    return "*" * (len(digits) - 4) + digits[-4:]
