from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.notifications.selectors import PreferenceRow


def field_name(event: str, channel: str) -> str:
    return f"{event}__{channel}"


class PreferencesForm(forms.Form):
    """The matrix event type × channel (a checkbox per cell that applies) and quiet hours."""

    quiet_start = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, rows: list[PreferenceRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            for cell in row.cells:
                if cell.applies:
                    self.fields[field_name(row.event_type.key, cell.channel)] = forms.BooleanField(
                        required=False, initial=cell.enabled
                    )

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            raise forms.ValidationError(
                _("Give both the start and the end of the quiet hours, or neither.")
            )
        if start is not None and start == end:
            raise forms.ValidationError(
                _("The quiet hours must not start and end at the same time.")
            )
        return data

    def choices(self) -> dict[tuple[str, str], bool]:
        return {
            (row.event_type.key, cell.channel): bool(
                self.cleaned_data.get(field_name(row.event_type.key, cell.channel))
            )
            for row in self.rows
            for cell in row.cells
            if cell.applies
        }

    def cell_fields(self):
        """(row, [(cell, bound field or None)]) for the template."""
        for row in self.rows:
            yield (
                row,
                [
                    (
                        cell,
                        self[field_name(row.event_type.key, cell.channel)]
                        if cell.applies
                        else None,
                    )
                    for cell in row.cells
                ],
            )
