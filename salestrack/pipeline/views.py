from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salestrack.access.decorators import admin_required
from salestrack.core.exceptions import ApplicationError
from salestrack.pipeline import services
from salestrack.pipeline.forms import PipelineForm, StageForm
from salestrack.pipeline.models import Pipeline, Stage


@login_required
@admin_required
def list_view(request):
    pipelines = Pipeline.objects.prefetch_related("stages__requirements")
    return render(request, "pipeline/list.html", {"pipelines": pipelines})


@login_required
@admin_required
def pipeline_edit(request, pk: int | None = None):
    pipeline = get_object_or_404(Pipeline, pk=pk) if pk else None
    form = PipelineForm(request.POST or None, instance=pipeline)
    if request.method == "POST" and form.is_valid():
        if pipeline:
            services.pipeline_update(pipeline=pipeline, data=form.cleaned_data, actor=request.user)
        else:
            pipeline = services.pipeline_create(
                name=form.cleaned_data["name"],
                name_en=form.cleaned_data["name_en"],
                actor=request.user,
            )
            services.pipeline_update(pipeline=pipeline, data=form.cleaned_data, actor=request.user)
        messages.success(request, _("Pipeline saved."))
        return redirect("pipeline:list")
    return render(request, "pipeline/form.html", {"form": form, "pipeline": pipeline})


@login_required
@admin_required
def stage_edit(request, pk: int, stage_id: int | None = None):
    pipeline = get_object_or_404(Pipeline, pk=pk)
    stage = get_object_or_404(Stage, pk=stage_id, pipeline=pipeline) if stage_id else None
    form = StageForm(request.POST or None, instance=stage)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "requirements"}
        try:
            services.stage_save(
                pipeline=pipeline,
                stage=stage,
                data=data,
                requirements=form.cleaned_data["requirements"],
                actor=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Stage saved."))
            return redirect("pipeline:list")
    context = {"form": form, "pipeline": pipeline, "stage": stage}
    return render(request, "pipeline/stage_form.html", context)


@login_required
@admin_required
@require_POST
def stage_move(request, pk: int, stage_id: int):
    stage = get_object_or_404(Stage, pk=stage_id, pipeline_id=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.stage_move(stage=stage, offset=offset, actor=request.user)
    return redirect("pipeline:list")


@login_required
@admin_required
@require_POST
def stage_delete(request, pk: int, stage_id: int):
    stage = get_object_or_404(Stage, pk=stage_id, pipeline_id=pk)
    try:
        services.stage_delete(stage=stage, actor=request.user)
        messages.success(request, _("Stage deleted."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("pipeline:list")
