from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """Chinese first: a signed-in user's own choice, else the language cookie, else zh-hans."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.known = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = settings.LANGUAGE_CODE
        if user is not None and user.is_authenticated:
            language = user.language
        else:
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            if cookie in self.known:
                language = cookie
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
