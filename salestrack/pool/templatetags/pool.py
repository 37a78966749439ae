from django import template

from salestrack.pool.forms import ReleaseForm

register = template.Library()


@register.inclusion_tag("pool/_pool_card.html", takes_context=True)
def pool_card(context, customer):
    """The customer page's pool card: where it stands, and the release button for who may."""
    return {
        "customer": customer,
        "can_write": context.get("can_write", False),
        "access": context.get("access"),
        "release_form": ReleaseForm(),
        "csrf_token": context.get("csrf_token"),
    }
