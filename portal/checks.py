"""System checks of the portal's own settings."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def benchmark_views_off(app_configs, **kwargs):
    """The load test's trivial view is for benchmarks only (PORTAL_BENCHMARK_VIEWS)."""
    if settings.PORTAL_BENCHMARK_VIEWS:
        return [
            Warning(
                "PORTAL_BENCHMARK_VIEWS is on: /benchmark/ok/ is routed. Switch it off outside "
                "benchmarks.",
                id="portal.W001",
            )
        ]
    return []
