from django import template

from salestrack.tiers.forms import TierOverrideForm
from salestrack.tiers.selectors import customer_tier_card

register = template.Library()


@register.inclusion_tag("tiers/_tier_card.html", takes_context=True)
def tier_card(context, customer):
    """The tier card of the customer page (data from tiers.selectors.customer_tier_card)."""
    user = context["request"].user
    return {
        "card": customer_tier_card(user=user, customer=customer),
        "customer": customer,
        "can_write": context.get("can_write", False),
        "access": context.get("access"),
        "override_form": TierOverrideForm(
            initial={"tier": customer.tier, "version": customer.version}
        ),
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
