from django import template

from salestrack.winprob.selectors import deal_win_card

register = template.Library()


@register.inclusion_tag("winprob/_deal_card.html", takes_context=True)
def deal_winprob(context) -> dict:
    """The deal page's 赢单概率 card (deals/detail.html includes winprob/_deal_winprob.html):
    reads through winprob.selectors for the deal the page already loaded in the user's scope."""
    request = context["request"]
    return {
        "card": deal_win_card(user=request.user, deal=context["deal"]),
        "access": context.get("access"),
    }
