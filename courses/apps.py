from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        # Registers the course policies, home-page actions and the demo course series.
        from . import home_actions, permissions  # noqa: F401
