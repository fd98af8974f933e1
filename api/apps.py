from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")

    def ready(self):
        from . import (
            permissions,  # noqa: F401  (registers the tokens' policy)
            results,  # noqa: F401  (registers the results' answer, formed ahead)
        )
