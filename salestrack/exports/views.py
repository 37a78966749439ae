"""GET /exports/customers.<csv|xlsx>, /exports/deals.<csv|xlsx>, /exports/followups.<csv|xlsx>.

The query string is the list page's: the same filter form and selector decide the rows (the
follow-ups: the export form on 我的跟进, a date range over all follow-ups in scope).
Access -> filters -> row count (cap) -> audit entry -> file.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.activities.forms import FollowUpFilterForm
from salestrack.activities.selectors import followup_list
from salestrack.customers.forms import CustomerFilterForm
from salestrack.customers.selectors import customer_list
from salestrack.deals.forms import DealFilterForm
from salestrack.deals.selectors import deal_list
from salestrack.exports.selectors import (
    CUSTOMER_COLUMNS,
    DEAL_COLUMNS,
    FOLLOWUP_COLUMNS,
    Column,
    export_columns,
    export_rows,
)
from salestrack.exports.services import export_record
from salestrack.exports.writers import XLSX_CONTENT_TYPE, csv_stream, xlsx_bytes


@dataclass(frozen=True)
class ExportKind:
    object_type: str  # access.policy record type
    audit_type: str  # model label in the audit trail
    name: str  # file name stem
    title: Promise  # worksheet name
    form_class: type[forms.Form]
    queryset: Callable[[forms.Form, User], QuerySet]
    columns: tuple[Column, ...]


CUSTOMERS = ExportKind(
    object_type="customer",
    audit_type="customers.customer",
    name="customers",
    title=gettext_lazy("Customers"),
    form_class=CustomerFilterForm,
    queryset=lambda form, user: customer_list(user=user, **form.selector_kwargs()),
    columns=CUSTOMER_COLUMNS,
)
DEALS = ExportKind(
    object_type="deal",
    audit_type="deals.deal",
    name="deals",
    title=gettext_lazy("Deals"),
    form_class=DealFilterForm,
    queryset=lambda form, user: deal_list(
        user=user, filters=form.to_filters(), sort=form.sort_key
    ).select_related("pipeline"),
    columns=DEAL_COLUMNS,
)

FOLLOWUPS = ExportKind(
    object_type="followup",
    audit_type="activities.followup",
    name="followups",
    title=gettext_lazy("Follow-ups"),
    form_class=FollowUpFilterForm,
    queryset=lambda form, user: followup_list(user=user, **form.selector_kwargs()),
    columns=FOLLOWUP_COLUMNS,
)


def _filter_errors(form: forms.Form) -> str:
    errors = [str(e) for e in form.non_field_errors()]
    errors += [
        f"{form[name].label}: {e}"
        for name, errs in form.errors.items()
        if name in form.fields
        for e in errs
    ]
    return " ".join(errors)


def _in_language(language: str, rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
    """Rows built in the request's language, also when a streamed response is read later."""
    iterator = iter(rows)
    while True:
        with translation.override(language):
            row = next(iterator, None)
        if row is None:
            return
        yield row


def _export(request, kind: ExportKind, fmt: str) -> HttpResponse:
    user = request.user
    perms = permissions_for(user)
    if not perms.can(kind.object_type, "export"):
        raise PermissionDenied(_("Your role may not export these records."))
    form = kind.form_class(request.GET, user=user)
    if not form.is_valid():
        message = _("The filters are not valid, so nothing was exported: %(errors)s") % {
            "errors": _filter_errors(form)
        }
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    qs = kind.queryset(form, user)
    count = qs.count()
    limit = settings.SALESTRACK_EXPORT_MAX_ROWS
    if count > limit:
        message = _(
            "This export would have %(rows)d rows, more than the limit of %(limit)d. "
            "Narrow the filters and export in parts."
        ) % {"rows": count, "limit": limit}
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    columns = export_columns(perms=perms, columns=kind.columns)
    filename = f"{kind.name}-{timezone.localdate():%Y%m%d}.{fmt}"
    export_record(
        actor=user,
        object_type=kind.audit_type,
        filters=form.cleaned_data,
        rows=count,
        fields=[c.key for c in columns],
        fmt=fmt,
        filename=filename,
        request=request,
    )
    header = [str(c.label) for c in columns]
    rows = _in_language(
        translation.get_language(), export_rows(user=user, perms=perms, qs=qs, columns=columns)
    )
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_stream(header, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            xlsx_bytes(str(kind.title), header, rows), content_type=XLSX_CONTENT_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def customers(request, fmt: str) -> HttpResponse:
    return _export(request, CUSTOMERS, fmt)


@login_required
@require_GET
def deals(request, fmt: str) -> HttpResponse:
    return _export(request, DEALS, fmt)


@login_required
@require_GET
def followups(request, fmt: str) -> HttpResponse:
    return _export(request, FOLLOWUPS, fmt)
