from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.decorators import admin_required
from salestrack.access.models import Role
from salestrack.access.policy import field_labels
from salestrack.access.role_forms import RoleCreateForm, RoleRulesForm
from salestrack.access.role_services import role_create, role_delete, role_rules, role_save_rules
from salestrack.accounts.models import User
from salestrack.core.exceptions import ApplicationError


@login_required
@admin_required
@require_GET
def role_list(request):
    holders = (
        User.objects.filter(role=OuterRef("key"), is_active=True)
        .values("role")
        .annotate(n=Count("pk"))
        .values("n")
    )
    roles = Role.objects.annotate(holders=Coalesce(Subquery(holders), 0))
    return render(request, "access/roles.html", {"roles": roles, "create_form": RoleCreateForm()})


@login_required
@admin_required
def role_edit(request, key: str):
    role = get_object_or_404(Role, key=key)
    form = RoleRulesForm(
        request.POST or None,
        rules=role_rules(role),
        model_labels=field_labels(),
        initial={"name": str(role)},
    )
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        try:
            role_save_rules(
                role=role,
                rules=form.rules(),
                actor=request.user,
                name=None if role.builtin and name == str(role) else name,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Role saved."))
            return redirect("access:role_edit", key=role.key)
    holders = User.objects.filter(role=role.key, is_active=True).order_by("username")
    context = {"role": role, "form": form, "holders": holders[:200]}
    return render(request, "access/role_form.html", context)


@login_required
@admin_required
@require_POST
def role_create_view(request):
    form = RoleCreateForm(request.POST)
    if form.is_valid():
        try:
            role = role_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Role created."))
            return redirect("access:role_edit", key=role.key)
    else:
        errors = "; ".join(" ".join(e) for e in form.errors.values())
        messages.error(request, _("Role not created: %(errors)s") % {"errors": errors})
    return redirect("access:roles")


@login_required
@admin_required
@require_POST
def role_delete_view(request, key: str):
    role = get_object_or_404(Role, key=key)
    try:
        role_delete(role=role, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("access:role_edit", key=role.key)
    messages.success(request, _("Role deleted."))
    return redirect("access:roles")
