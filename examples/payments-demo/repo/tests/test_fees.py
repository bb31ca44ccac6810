from payments.fees import compute_fee


def test_visa_fee():
    assert compute_fee(10_000, "visa") == 320
