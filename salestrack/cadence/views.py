from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.decorators import admin_required
from salestrack.cadence.forms import FollowUpRuleForm
from salestrack.cadence.models import FollowUpRule
from salestrack.cadence.selectors import followup_rule_list
from salestrack.cadence.services import followup_rule_delete, followup_rule_save
from salestrack.core.exceptions import ApplicationError


@login_required
@admin_required
@require_GET
def rules(request):
    return render(request, "cadence/rules.html", {"rules": followup_rule_list()})


@login_required
@admin_required
def rule_edit(request, pk: int | None = None):
    rule = get_object_or_404(FollowUpRule, pk=pk) if pk else None
    form = FollowUpRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            followup_rule_save(actor=request.user, rule=rule, data=form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Follow-up rule saved."))
            return redirect("cadence:rules")
    return render(request, "cadence/rule_form.html", {"form": form, "rule": rule})


@login_required
@admin_required
@require_POST
def rule_delete(request, pk: int):
    rule = get_object_or_404(FollowUpRule, pk=pk)
    followup_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Follow-up rule deleted."))
    return redirect("cadence:rules")
