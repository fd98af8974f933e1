"""The benchmark command runs (with small numbers) and leaves nothing behind."""

from io import StringIO

import pytest
from django.core.management import call_command

from portal.models import Programme
from surveys.models import Response, Survey

pytestmark = pytest.mark.django_db


def test_benchmark_surveys_prints_figures_and_rolls_back():
    out = StringIO()
    call_command("benchmark_surveys", "--responses", "30", "--questions", "5", stdout=out)
    output = out.getvalue()
    assert "30 responses to 5 questions" in output
    for label in ("results page (first)", "export responses-wide.csv", "export results.csv"):
        line = next(line for line in output.splitlines() if line.startswith(label))
        assert "ms" in line and "queries" in line
    assert "rolled back" in output
    assert not Survey.objects.exists() and not Response.objects.exists()
    assert not Programme.objects.filter(name="Benchmark programme").exists()
