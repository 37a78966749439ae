from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


def _grouped(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


@register.filter
def cny(value) -> str:
    """¥1,234,568 — whole yuan, for cards, lists and totals."""
    try:
        return f"¥{_grouped(Decimal(value), 0)}"
    except (InvalidOperation, TypeError, ValueError):
        return "—"


@register.filter
def cny_exact(value) -> str:
    """¥1,234,567.89 — to the fen, where the exact amount matters."""
    if value is None or value == "":
        return "—"
    try:
        return f"¥{_grouped(Decimal(value), 2)}"
    except (InvalidOperation, TypeError, ValueError):
        return "—"
