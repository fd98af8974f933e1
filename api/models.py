"""Personal API tokens: a person's key to the read API, carrying their scope and nothing more.

Only a SHA-256 hash of the token is stored; the token itself is shown once, when it is created.
A token is read-only (the only kind for now), may expire, and its owner revokes it on the
profile page.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "kp_"  # noqa: S105 - not a secret: it tells a portal token apart in a script or a leaked file


class ApiToken(models.Model):
    class Access(models.TextChoices):
        READ = "read", _("Read only")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("person"),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. “Power BI report”.")
    )
    access = models.CharField(
        _("access"), max_length=10, choices=Access.choices, default=Access.READ
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, so that the owner can tell their tokens apart.
    hint = models.CharField(_("begins with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
