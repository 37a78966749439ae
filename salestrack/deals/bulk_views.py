from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_POST

from salestrack.access.bulk_views import BulkForm, handle_bulk
from salestrack.access.decorators import action_required
from salestrack.deals.services import deal_bulk_assign


@login_required
@action_required("deal", "bulk")
@require_POST
def bulk(request):
    form = BulkForm(request.POST, user=request.user)
    form.fields["owner"].required = True
    return handle_bulk(request, form, deal_bulk_assign, reverse("deals:list"))
