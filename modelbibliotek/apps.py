from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModelbibliotekConfig(AppConfig):
    name = "modelbibliotek"
    verbose_name = _("Model libraries")

    def ready(self):
        # Registers the model-library policies, home-page actions and the demo model libraries.
        from . import home_actions, permissions  # noqa: F401
