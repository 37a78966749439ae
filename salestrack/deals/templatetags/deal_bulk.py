from django import template
from django.urls import reverse

from salestrack.access.bulk_views import BulkForm

register = template.Library()


@register.inclusion_tag("access/_bulk_bar.html", takes_context=True)
def deal_bulk_bar(context) -> dict:
    request = context["request"]
    return {
        "form": BulkForm(user=request.user),
        "action": reverse("deals:bulk"),
        "next": request.get_full_path(),
    }
