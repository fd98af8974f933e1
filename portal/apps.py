from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from .timestamps import timestamps_read_in_c

# psycopg keeps a connection's 100 most recently prepared statements; the everyday pages, the
# results and the survey's answering run about 160 different ones (~90 KB of plans each in
# PostgreSQL), so with 100 a worker would prepare the same statements again and again.
PREPARED_STATEMENTS_KEPT = 250


def _prepared_statements_kept(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        connection.connection.prepared_max = PREPARED_STATEMENTS_KEPT


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from django.urls import register_converter

        from . import checks, home_actions  # noqa: F401  (registers checks and home-page actions)
        from .converters import TokenConverter

        register_converter(TokenConverter, "token")
        connection_created.connect(timestamps_read_in_c)
        if settings.DATABASE_PREPARED_STATEMENTS:
            connection_created.connect(_prepared_statements_kept)

        autodiscover_modules("dashboard")  # each app's dashboard.py registers its panel
        # Each app's personal_data.py registers what it holds about a person (portal/privacy.py)
        # and its profile_sections.py the sections it adds to the profile page (portal/profile.py).
        autodiscover_modules("personal_data")
        autodiscover_modules("profile_sections")
        autodiscover_modules("region")  # each app's region.py adds its part of generated data
