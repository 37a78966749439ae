from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from salestrack.accounts.forms import LanguageForm, LoginForm, lockout_minutes
from salestrack.accounts.services import user_set_language


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page naming the lock-out (LoginForm), status 429.

    Axes calls this after LoginView has answered; its page already carries the message. Any
    other answer (a lock-out met outside the login form) is replaced by the login page.
    """
    if isinstance(original_response, HttpResponse) and original_response.status_code == 200:
        response = original_response
    else:
        message = LoginForm.error_messages["locked_out"] % {"minutes": lockout_minutes()}
        response = render(
            request, "accounts/login.html", {"form": LoginForm(request), "locked_out": message}
        )
    response.status_code = 429
    return response


@require_POST
def set_language(request):
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response
