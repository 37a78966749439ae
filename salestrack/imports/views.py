"""/imports/: history, upload, preview (the wizard's steps on one page), commit, undo."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salestrack.core.exceptions import ApplicationError
from salestrack.exports.writers import XLSX_CONTENT_TYPE
from salestrack.imports import services
from salestrack.imports.forms import MappingForm, OptionsForm, UploadForm
from salestrack.imports.models import ImportBatch
from salestrack.imports.reading import sheet_names

ERRORS_SHOWN = 500


def _history(request):
    qs = services.import_history(user=request.user)
    return Paginator(qs, settings.SALESTRACK_LIST_PAGE_SIZE).get_page(request.GET.get("page"))


def _require_importer(user) -> None:
    if not services.may_import(user):
        raise PermissionDenied(_("Your role may not import records."))


@login_required
@require_GET
def index(request):
    _require_importer(request.user)
    page = _history(request)
    return render(request, "imports/index.html", {"page": page, "form": UploadForm()})


@login_required
@require_POST
def upload(request):
    _require_importer(request.user)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            batch = services.import_upload(
                actor=request.user,
                record_type=form.cleaned_data["record_type"],
                upload=form.cleaned_data["file"],
            )
            return redirect(batch)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    page = _history(request)
    return render(request, "imports/index.html", {"page": page, "form": form}, status=400)


def _detail_context(batch: ImportBatch, form: OptionsForm | None = None) -> dict:
    sheets = sheet_names(batch.file_path) if batch.status == ImportBatch.Status.PREVIEW else []
    result = batch.result
    errors = sorted(((int(k), v) for k, v in result.get("errors", {}).items()))[:ERRORS_SHOWN]
    form = form or OptionsForm(batch=batch, sheets=sheets)
    decisions = {name: form[name] for name in form.decision_names}
    return {
        "batch": batch,
        "form": form,
        "mapping_form": MappingForm(),
        "mappings": services.mappings_for(user=batch.user, record_type=batch.record_type),
        "counts": result.get("counts", {}),
        "rows": result.get("rows", []),
        "matches": [(m, decisions.get(f"decision_{m['row']}")) for m in result.get("matches", [])],
        "errors": errors,
        "more_errors": max(0, result.get("counts", {}).get("error", 0) - len(errors)),
        "progress": services.batch_progress(batch),
    }


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    batch = services.batch_get_for_user(user=request.user, pk=pk)
    form = None
    if request.method == "POST":
        _require_importer(request.user)
        if batch.user_id != request.user.pk:
            raise PermissionDenied(_("Only the person who uploaded the file may change it."))
        sheets = sheet_names(batch.file_path)
        form = OptionsForm(request.POST, batch=batch, sheets=sheets)
        if form.is_valid():
            try:
                services.import_preview(batch=batch, options=form.options())
                return redirect(batch)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
    return render(request, "imports/detail.html", _detail_context(batch, form))


@login_required
@require_POST
def apply_mapping(request, pk):
    batch = services.batch_get_for_user(user=request.user, pk=pk)
    _require_importer(request.user)  # the role's right, not only ownership of the batch
    mapping = get_object_or_404(
        services.mappings_for(user=request.user, record_type=batch.record_type),
        pk=request.POST.get("mapping"),
    )
    try:
        options = services.mapping_apply(mapping=mapping, headers=batch.result.get("headers", []))
        services.import_preview(batch=batch, options=options)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(batch)


@login_required
@require_POST
def save_mapping(request, pk):
    batch = services.batch_get_for_user(user=request.user, pk=pk)
    _require_importer(request.user)  # the role's right, not only ownership of the batch
    form = MappingForm(request.POST)
    if form.is_valid():
        try:
            services.mapping_save(actor=request.user, batch=batch, **form.cleaned_data)
            messages.success(request, _("The column mapping is saved."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return redirect(batch)


@login_required
@require_POST
def commit(request, pk):
    batch = services.batch_get_for_user(user=request.user, pk=pk)
    _require_importer(request.user)  # the role's right, not only ownership of the batch
    try:
        status = services.import_commit(batch=batch, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(batch)
    if status == ImportBatch.Status.DONE:
        messages.success(request, _("The import is done."))
    elif status == ImportBatch.Status.FAILED:
        messages.error(request, _("The import failed; nothing of it was saved."))
    return redirect(batch)


@login_required
@require_GET
def status(request, pk):
    """The progress partial the running page polls (htmx)."""
    batch = services.batch_get_for_user(user=request.user, pk=pk)
    response = render(request, "imports/detail.html#status", _detail_context(batch))
    if not batch.is_running and request.htmx:
        response["HX-Refresh"] = "true"  # finished: show the whole result page
    return response


@login_required
@require_POST
def undo(request, pk):
    batch = services.batch_get_for_user(user=request.user, pk=pk)
    _require_importer(request.user)  # the role's right, not only ownership of the batch
    try:
        services.import_undo(batch=batch, actor=request.user)
        messages.success(request, _("The import is undone."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(batch)


@login_required
@require_GET
def error_report(request, pk):
    batch = services.batch_get_for_user(user=request.user, pk=pk)
    body = services.error_report(batch=batch)
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.xlsx"'
    return response
