from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.decorators import action_required
from salestrack.access.scope import can_write
from salestrack.access.selectors import share_panel
from salestrack.activities.selectors import followup_timeline
from salestrack.audit.models import AuditEntry
from salestrack.audit.selectors import audit_history_for
from salestrack.audit.services import audit_record
from salestrack.core.exceptions import ApplicationError, ConflictError
from salestrack.core.pagination import paginate_by_ids
from salestrack.customers.selectors import customer_get_for_user, customer_queryset
from salestrack.deals import services
from salestrack.deals.errors import StageGateError
from salestrack.deals.forms import (
    DealCreateForm,
    DealFilterForm,
    DealForm,
    DealLineForm,
    DealMoveForm,
    gate_form,
)
from salestrack.deals.gates import GATE_FIELDS, LOST_REASON
from salestrack.deals.models import DealLine
from salestrack.deals.selectors import (
    deal_board,
    deal_board_cards,
    deal_board_totals,
    deal_get_for_user,
    deal_list,
    deal_stage_history,
    deal_stage_progress,
    decorate_card,
)
from salestrack.pipeline.models import Pipeline, Stage


def _pipeline_from(request) -> Pipeline:
    pipelines = Pipeline.objects.filter(is_active=True)
    pk = request.GET.get("pipeline") or request.POST.get("pipeline")
    if pk and pk.isdigit():
        return get_object_or_404(pipelines, pk=pk)
    return pipelines.first() or get_object_or_404(Pipeline, is_default=True)


def _board_context(request, pipeline: Pipeline) -> dict:
    filter_form = DealFilterForm(request.GET or None, user=request.user)
    filters = filter_form.to_filters()
    return {
        "pipeline": pipeline,
        "pipelines": Pipeline.objects.filter(is_active=True),
        "filter_form": filter_form,
        "columns": deal_board(user=request.user, pipeline=pipeline, filters=filters),
        "query": request.GET.urlencode(),
    }


@login_required
@require_GET
def board(request):
    context = _board_context(request, _pipeline_from(request))
    template = "deals/board.html#board" if request.htmx else "deals/board.html"
    return render(request, template, context)


@login_required
@require_GET
def board_column(request, stage_id: int):
    stage = get_object_or_404(Stage, pk=stage_id)
    filters = DealFilterForm(request.GET, user=request.user).to_filters()
    page = int(request.GET.get("page", "1")) if request.GET.get("page", "1").isdigit() else 1
    cards, has_more = deal_board_cards(user=request.user, stage=stage, filters=filters, page=page)
    context = {
        "stage": stage,
        "cards": cards,
        "has_more": has_more,
        "next_page": page + 1,
        "query": request.GET.urlencode(),
    }
    return render(request, "deals/board.html#more-cards", context)


def _move_result(request, deal, *, from_gate: bool) -> HttpResponse:
    filters = DealFilterForm(request.POST, user=request.user).to_filters()
    totals = deal_board_totals(user=request.user, pipeline=deal.pipeline, filters=filters)
    stages = Stage.objects.filter(pipeline_id=deal.pipeline_id)
    heads = [(s, *totals.get(s.pk, (0, 0))) for s in stages]
    context = {"deal": decorate_card(deal), "heads": heads, "from_gate": from_gate}
    return render(request, "deals/_move_result.html", context)


@login_required
@require_POST
def move(request, pk: int):
    """Drag on the board or the stage form on the deal page; asks for missing facts if needed."""
    deal = deal_get_for_user(user=request.user, pk=pk, write=True)
    form = DealMoveForm(request.POST, deal=deal)
    if not form.is_valid():
        return _move_error(request, deal, _("Choose a stage of this deal's pipeline."))
    to_stage = form.cleaned_data["to_stage"]
    missing_form = None
    facts = None
    if request.POST.get("with_facts"):
        asked = request.POST.getlist("missing")
        if not asked or not set(asked) <= set(GATE_FIELDS) | {LOST_REASON}:
            return _move_error(request, deal, _("The form was incomplete. Reload and try again."))
        missing_form = gate_form(asked, deal, request.POST)
        if not missing_form.is_valid():
            return _gate_response(request, deal, to_stage, missing_form, form.cleaned_data)
        facts = {k: missing_form.cleaned_data[k] for k in missing_form.fields}
    try:
        deal = services.deal_move_stage(
            deal=deal,
            to_stage=to_stage,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            facts=facts,
        )
    except StageGateError as exc:
        return _gate_response(
            request, deal, to_stage, gate_form(exc.missing, deal), form.cleaned_data
        )
    except ApplicationError as exc:
        return _move_error(request, deal, exc.message, conflict=isinstance(exc, ConflictError))
    if request.htmx:
        return _move_result(request, deal, from_gate=bool(facts))
    messages.success(request, _("Moved to %(stage)s.") % {"stage": deal.stage})
    return redirect("deals:detail", pk=deal.pk)


def _gate_response(request, deal, to_stage, missing_form, move_data) -> HttpResponse:
    context = {
        "deal": deal,
        "to_stage": to_stage,
        "form": missing_form,
        "missing": list(missing_form.fields),
        "version": move_data["version"],
        "board_query": request.POST.get("board_query", ""),
    }
    template = "deals/_gate_form.html" if request.htmx else "deals/gate.html"
    response = render(request, template, context)
    if request.htmx:
        response["HX-Retarget"] = "#modal"
        response["HX-Reswap"] = "innerHTML"
        response["HX-Trigger"] = "move-refused"
    return response


def _move_error(request, deal, message: str, conflict: bool = False) -> HttpResponse:
    if not request.htmx:
        messages.error(request, message)
        return redirect("deals:detail", pk=deal.pk)
    response = render(
        request, "deals/_move_error.html", {"deal": deal, "message": message, "conflict": conflict}
    )
    response["HX-Retarget"] = "#modal"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Trigger"] = "move-refused"
    return response


@login_required
@require_GET
def list_view(request):
    filter_form = DealFilterForm(request.GET or None, user=request.user)
    qs = deal_list(user=request.user, filters=filter_form.to_filters(), sort=filter_form.sort_key)
    page = paginate_by_ids(qs, request.GET.get("page"), settings.SALESTRACK_LIST_PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    context = {"page": page, "filter_form": filter_form, "query": params.urlencode()}
    return render(
        request, "deals/list.html#results" if request.htmx else "deals/list.html", context
    )


@login_required
@require_GET
def detail(request, pk: int):
    deal = deal_get_for_user(user=request.user, pk=pk)
    audit_record(actor=request.user, action=AuditEntry.Action.VIEW, obj=deal, request=request)
    history = deal_stage_history(deal=deal)
    context = {
        "deal": deal,
        "history": history,
        "progress": deal_stage_progress(deal=deal, history=history),
        "followups": followup_timeline(user=request.user, deal_id=deal.pk),
        "lines": deal.lines.select_related("product"),
        "line_form": DealLineForm(),
        "move_form": DealMoveForm(deal=deal),
        "collaborators": deal.collaborators.all(),
        "audit_entries": audit_history_for(deal, user=request.user),
        **share_panel(obj=deal, user=request.user),
        "can_write": can_write(request.user, deal),
    }
    return render(request, "deals/detail.html", context)


@login_required
@action_required("deal", "create")
def create(request):
    # A deal is a write under its customer: a customer shared read-only is no choice (403 here).
    customers = customer_queryset(user=request.user, write=True)
    initial = {}
    if request.GET.get("customer", "").isdigit():
        customer = customer_get_for_user(
            user=request.user, pk=int(request.GET["customer"]), write=True
        )
        initial = {"customer": customer.pk, "source": customer.source}
    form = DealCreateForm(
        request.POST or None, user=request.user, customers=customers, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        collaborators = data.pop("collaborators", [])
        try:
            deal = services.deal_create(actor=request.user, collaborators=collaborators, **data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Deal created."))
            return redirect("deals:detail", pk=deal.pk)
    return render(request, "deals/form.html", {"form": form, "deal": None})


@login_required
def edit(request, pk: int):
    deal = deal_get_for_user(user=request.user, pk=pk, write=True)
    customers = customer_queryset(user=request.user, write=True)
    form = DealForm(request.POST or None, instance=deal, user=request.user, customers=customers)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        if "amount" in form.fields and form.fields["amount"].disabled:
            data.pop("amount")
        try:
            deal = services.deal_update(
                deal=deal,
                actor=request.user,
                expected_version=form.cleaned_data["version"] or 0,
                data=data,
            )
        except ConflictError as exc:
            conflict = True
            form.add_error(None, exc.message)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Deal saved."))
            return redirect("deals:detail", pk=deal.pk)
    return render(request, "deals/form.html", {"form": form, "deal": deal, "conflict": conflict})


@login_required
@require_POST
def line_add(request, pk: int):
    deal = deal_get_for_user(user=request.user, pk=pk, write=True)
    form = DealLineForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        try:
            services.deal_line_add(deal=deal, actor=request.user, **data)
            messages.success(request, _("Product line added."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(
            request,
            _("Product line not added: %(errors)s")
            % {
                "errors": "; ".join(
                    f"{form.fields[k].label}: {' '.join(v)}"
                    for k, v in form.errors.items()
                    if k in form.fields
                )
            },
        )
    return redirect("deals:detail", pk=deal.pk)


@login_required
@require_POST
def line_remove(request, pk: int, line_id: int):
    deal = deal_get_for_user(user=request.user, pk=pk, write=True)
    line = get_object_or_404(DealLine, pk=line_id, deal=deal)
    services.deal_line_remove(line=line, actor=request.user)
    messages.success(request, _("Product line removed."))
    return redirect("deals:detail", pk=deal.pk)


@login_required
@require_POST
def delete(request, pk: int):
    deal = deal_get_for_user(user=request.user, pk=pk, write=True)
    services.deal_delete(deal=deal, actor=request.user)
    messages.success(request, _("Deal moved to the trash."))
    return redirect("deals:list")
