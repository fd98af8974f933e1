"""Rate limits per token (per person for the signed-in session), from PORTAL_API_RATE."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class PerTokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        return settings.PORTAL_API_RATE

    def allow_request(self, request, view):
        # The rate is read on every request, so that a changed setting takes effect at once.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.auth is not None and hasattr(request.auth, "token_hash"):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
