from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")]
    )


class LoginForm(AuthenticationForm):
    """Django's login form; says so plainly when django-axes has locked the username + IP."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": _(
            "Too many failed log-in attempts. This account is locked for %(minutes)s minutes "
            "from this address; an administrator can unlock it sooner."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(
                    self.error_messages["locked_out"],
                    code="locked_out",
                    params={"minutes": lockout_minutes()},
                ) from None
            raise


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
