"""Monthly statement totals (not a regulated path)."""


def total_cents(rows):
    return sum(r["amount_cents"] for r in rows)
