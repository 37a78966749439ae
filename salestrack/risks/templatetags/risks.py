from django import template

from salestrack.risks.forms import RiskFlagForm
from salestrack.risks.selectors import deal_risk_panel

register = template.Library()


@register.inclusion_tag("risks/_deal_panel.html", takes_context=True)
def deal_risks(context) -> dict:
    """The deal page's risk card (deals/detail.html includes risks/_deal_risks.html): reads
    through risks.selectors for the deal the page already loaded in the user's scope."""
    deal = context["deal"]
    return {
        "deal": deal,
        "can_write": context.get("can_write", False),
        "flag_form": RiskFlagForm(),
        "csrf_token": context.get("csrf_token"),
        **deal_risk_panel(deal=deal),
    }
