from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.imports.fields import RECORD_TYPES
from salestrack.imports.models import ImportBatch, RecordType
from salestrack.imports.plans import DECISIONS
from salestrack.pipeline.models import Pipeline

DECISION_CHOICES = [
    ("skip", _("Skip")),
    ("update", _("Update the existing record")),
    ("create", _("Create a new record")),
]
IN_FILE_CHOICES = [("skip", _("Skip")), ("create", _("Create a separate customer"))]
FUZZY_CHOICES = [("ask", _("Ask for each row")), *DECISION_CHOICES]


class UploadForm(forms.Form):
    record_type = forms.ChoiceField(label=_("What the file holds"), choices=RecordType.choices)
    file = forms.FileField(label=_("File (.xlsx, .xls or .csv)"))


class OptionsForm(forms.Form):
    """The preview's settings: sheet, header row, a field per column, stages, decisions."""

    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    header_row = forms.IntegerField(label=_("Header row"), min_value=1, required=False)
    exact = forms.ChoiceField(
        label=_("Rows that match an existing record exactly"), choices=DECISION_CHOICES
    )
    fuzzy = forms.ChoiceField(
        label=_("Rows that are similar to an existing record"), choices=FUZZY_CHOICES
    )

    def __init__(self, *args, batch: ImportBatch, sheets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch
        result, options = batch.result, batch.options
        self.fields["sheet"].choices = [(s, s) for s in sheets]
        if not sheets:
            del self.fields["sheet"]
        field_choices = [("", _("— not imported —"))] + [
            (spec.name, spec.label) for spec in RECORD_TYPES[batch.record_type]
        ]
        self.column_names = []
        for i, header in enumerate(result.get("headers", [])):
            name = f"col_{i}"
            self.fields[name] = forms.ChoiceField(
                label=header or f"#{i + 1}", choices=field_choices, required=False
            )
            self.column_names.append(name)
        stages = self._pipeline_stages(options.get("pipeline"))
        stage_choices = [("", _("— choose —"))] + [(s.pk, s.label) for s in stages]
        self.stage_names = []
        for i, raw in enumerate(sorted(result.get("unknown_stages", {}))):
            name = f"stage_{i}"
            self.fields[name] = forms.TypedChoiceField(
                label=raw, choices=stage_choices, required=False, coerce=int, empty_value=None
            )
            self.fields[name].raw = raw
            self.stage_names.append(name)
        self.decision_names = []
        for match in result.get("matches", []):
            name = f"decision_{match['row']}"
            if name in self.fields:
                continue
            # A row similar to an earlier row of the file: a customer of its own, or skipped.
            choices = IN_FILE_CHOICES if match.get("in_file") else DECISION_CHOICES
            self.fields[name] = forms.ChoiceField(
                label=str(match["row"]),
                choices=[("", _("default")), *choices],
                required=False,
            )
            self.decision_names.append(name)
        if not self.is_bound:
            self.initial.update(
                {
                    "sheet": options.get("sheet", ""),
                    "header_row": options.get("header_row"),
                    "exact": options.get("exact", "skip"),
                    "fuzzy": options.get("fuzzy", "ask"),
                    "pipeline": options.get("pipeline"),
                    **{f"col_{i}": f for i, f in enumerate(options.get("columns") or [])},
                    **{f"decision_{row}": d for row, d in (options.get("decisions") or {}).items()},
                }
            )

    def _pipeline_stages(self, chosen: int | None):
        """Deals: a pipeline choice when there are several; the stages unknown names map to."""
        pipelines = list(Pipeline.objects.filter(is_active=True))
        if self.batch.record_type == RecordType.DEALS and len(pipelines) > 1:
            self.fields["pipeline"] = forms.TypedChoiceField(
                label=_("Pipeline"),
                choices=[(p.pk, p.label) for p in pipelines],
                coerce=int,
                required=False,
                empty_value=None,
                help_text=_("The stages named in the file are this pipeline's."),
            )
        pipeline = next((p for p in pipelines if p.pk == chosen), None)
        pipeline = pipeline or next((p for p in pipelines if p.is_default), None)
        return pipeline.stages.order_by("position") if pipeline else []

    def columns(self):
        return [self[name] for name in self.column_names]

    def stages(self):
        return [self[name] for name in self.stage_names]

    def options(self) -> dict:
        data = self.cleaned_data
        previous = self.batch.options
        stage_map = dict(previous.get("stage_map") or {})
        from salestrack.imports.cleaning import choice_key

        for name in self.stage_names:
            if data.get(name):
                stage_map[choice_key(self.fields[name].raw)] = data[name]
        sheet = data.get("sheet", "")
        changed_sheet = sheet != previous.get("sheet", "")
        header_row = data.get("header_row")
        return {
            "sheet": sheet,
            # another sheet or header row: its columns are guessed again
            "header_row": None if changed_sheet else header_row,
            "columns": None
            if changed_sheet or header_row != previous.get("header_row")
            else [data.get(name, "") for name in self.column_names],
            "stage_map": stage_map,
            "exact": data["exact"],
            "fuzzy": data["fuzzy"],
            "pipeline": data.get("pipeline") or previous.get("pipeline"),
            "decisions": {
                name.removeprefix("decision_"): data[name]
                for name in self.decision_names
                if data.get(name) in DECISIONS
            },
        }


class MappingForm(forms.Form):
    name = forms.CharField(label=_("Save these columns as"), max_length=80)
    shared = forms.BooleanField(label=_("For everyone"), required=False)
