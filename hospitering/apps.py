from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HospiteringConfig(AppConfig):
    name = "hospitering"
    verbose_name = _("Job shadowing")

    def ready(self):
        # Registers the exchange policies, home-page actions and the demo exchange.
        from . import home_actions, permissions  # noqa: F401
