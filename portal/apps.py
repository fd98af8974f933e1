from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from django.urls import register_converter

        from . import checks, home_actions  # noqa: F401  (registers checks and home-page actions)
        from .converters import TokenConverter

        register_converter(TokenConverter, "token")

        autodiscover_modules("dashboard")  # each app's dashboard.py registers its panel
        # Each app's personal_data.py registers what it holds about a person (portal/privacy.py)
        # and its profile_sections.py the sections it adds to the profile page (portal/profile.py).
        autodiscover_modules("personal_data")
        autodiscover_modules("profile_sections")
        autodiscover_modules("region")  # each app's region.py adds its part of generated data
