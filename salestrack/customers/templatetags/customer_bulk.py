from django import template
from django.urls import reverse

from salestrack.customers.bulk_views import customer_bulk_form

register = template.Library()


@register.inclusion_tag("access/_bulk_bar.html", takes_context=True)
def customer_bulk_bar(context) -> dict:
    request = context["request"]
    return {
        "form": customer_bulk_form(request.user),
        "action": reverse("customers:bulk"),
        "next": request.get_full_path(),
    }
