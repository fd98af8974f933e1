from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModelbibliotekConfig(AppConfig):
    name = "modelbibliotek"
    verbose_name = _("Model libraries")

    def ready(self):
        # Registers the model-library policies (and, with the views, the home-page actions).
        from . import permissions  # noqa: F401
