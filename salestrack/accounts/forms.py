from django import forms
from django.utils.translation import gettext_lazy as _


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")]
    )
