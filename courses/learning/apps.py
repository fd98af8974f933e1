from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    """The online learning arena of a course: modules, lessons, discussion, assignments."""

    name = "courses.learning"
    label = "learning"
    verbose_name = _("Online learning arena")

    def ready(self):
        # Register the arena's access policies with the portal's one policy registry, and its
        # demo material (after the courses app's demo course series, which comes first).
        from . import demo, permissions  # noqa: F401
