from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def change(figure) -> str:
    """A compared figure's change against the previous period: ▲ 12.5% / ▼ 20.0% / —."""
    pct = figure.get("change_pct") if isinstance(figure, dict) else None
    if pct is None:
        return mark_safe('<span class="muted delta">—</span>')
    arrow, css = ("▲", "up") if pct > 0 else ("▼", "down") if pct < 0 else ("", "flat")
    return format_html('<span class="delta {}">{} {}%</span>', css, arrow, f"{pct:+.1f}")


@register.filter
def num(value, suffix: str = "") -> str:
    """A number (rate, days) or — when there is none."""
    if value is None or value == "":
        return "—"
    return f"{value}{suffix}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if isinstance(mapping, dict) else None
