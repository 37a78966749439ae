from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MAX_DIGITS = 16
DECIMAL_PLACES = 2


def quantize_cny(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
