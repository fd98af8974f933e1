"""Errors of the API: DRF's answers, with every refusal logged like a refused page."""

import logging

from rest_framework import exceptions, status
from rest_framework.views import exception_handler

logger = logging.getLogger("portal.access")

# 404 and 403 from the policy's helpers are logged there (portal.permissions); these are not.
_LOGGED_HERE = (exceptions.AuthenticationFailed, exceptions.NotAuthenticated, exceptions.Throttled)


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if isinstance(exc, _LOGGED_HERE):
        request = context["request"]
        user = getattr(request._request, "user", None)
        logger.warning(
            "access refused status=%s user=%s path=%s model=- action=api county=-",
            response.status_code if response is not None else status.HTTP_401_UNAUTHORIZED,
            user.pk if user is not None and user.is_authenticated else "anonymous",
            request.path,
        )
    return response
