from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class FastSelect(forms.Select):
    """A <select> rendered in Python: Django renders each <option> through a template, which
    costs ~1 ms per 10 options — too slow for owner pickers with hundreds of reps."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        selected = {str(v) for v in (value if isinstance(value, list | tuple) else [value])}
        final_attrs = self.build_attrs(self.attrs, attrs)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, " selected" if str(key) in selected else "", label)
                for key, label in self._flat_choices()
            ),
        )
        attributes = format_html_join("", ' {}="{}"', final_attrs.items())
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)

    def _flat_choices(self):
        for key, label in self.choices:
            if isinstance(label, list | tuple):
                yield from label
            else:
                yield ("" if key is None else getattr(key, "value", key), label)
