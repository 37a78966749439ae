from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from salestrack.access.scope import visible_users
from salestrack.core.exceptions import ApplicationError
from salestrack.core.widgets import FastSelect


class BulkForm(forms.Form):
    """The action bar under a list: selected ids (checkboxes) and the change to make."""

    owner = forms.ModelChoiceField(
        label=gettext_lazy("New owner"), queryset=None, required=False, widget=FastSelect
    )

    def __init__(self, *args, user, extra: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = visible_users(user)
        self.fields.update(extra or {})

    def ids(self) -> list[int]:
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        if not all(str(v).isdigit() for v in raw):
            raise ApplicationError(_("The selection is not valid."))
        return [int(v) for v in raw]


def handle_bulk(request, form: BulkForm, apply: Callable[..., int], fallback: str):
    """Validate, apply (all or nothing), report, and go back to the list the user came from."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    if not form.is_valid():
        errors = "; ".join(" ".join(e) for e in form.errors.values())
        messages.error(request, _("Nothing was changed: %(errors)s") % {"errors": errors})
        return redirect(target or fallback)
    try:
        count = apply(actor=request.user, ids=form.ids(), **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext("%(count)d record changed.", "%(count)d records changed.", count)
            % {"count": count},
        )
    return redirect(target or fallback)
