from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        # Registers the access policy, the home-page actions and the demo survey.
        from . import home_actions, permissions  # noqa: F401
        from .results import home_actions as results_home_actions  # noqa: F401
