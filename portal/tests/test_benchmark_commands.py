"""The in-process benchmark commands (portal/benchmark.py) run on a small generated region and
print a line per page beside the trivial view. What they print is figures: only that they run,
and on every page they name, is tested."""

import importlib
import io

import pytest
from django.core.management import call_command
from django.urls import clear_url_caches

import portal.urls
from portal.region import region_generate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def benchmark_views(settings, tmp_path):
    """The trivial view routed (as PORTAL_BENCHMARK_VIEWS does at start-up) and somewhere to
    collect the static files to."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.PORTAL_BENCHMARK_VIEWS = True
    importlib.reload(portal.urls)
    clear_url_caches()
    yield
    settings.PORTAL_BENCHMARK_VIEWS = False
    importlib.reload(portal.urls)
    clear_url_caches()


@pytest.mark.parametrize(
    ("command", "pages"),
    [
        (
            "benchmark_pages",
            [
                "home (staff)",
                "registration: submit",
                "exchange offers",
                "exchange decisions",
                "model library",
            ],
        ),
        ("benchmark_results", ["results overview", "results: a question", "dashboard"]),
        ("benchmark_dashboard", ["dashboard (coordinator)", "key figures (leader)"]),
        ("benchmark_answering", ["question page", "submission", "sums' catch-up (task)"]),
    ],
)
def test_each_benchmark_prints_its_pages_beside_the_trivial_view(benchmark_views, command, pages):
    region_generate(seed=3, scale=0.01)
    out = io.StringIO()
    call_command(command, "--repeat", "1", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Median of 1")
    for name in ["trivial view", *pages]:
        assert any(line.startswith(name) and "× trivial" in line for line in lines), name
