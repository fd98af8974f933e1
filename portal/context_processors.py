from django.conf import settings

from . import permissions


def portal(request):
    user = getattr(request, "user", None)
    return {
        "LANGUAGE_CHOICES": settings.LANGUAGES,
        "is_site_admin": bool(user is not None and permissions.is_site_admin(user)),
    }
