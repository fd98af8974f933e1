"""`manage.py benchmark_exports` (`make benchmark-exports`): peak memory of the raw exports.

Fills a throwaway survey of 40 questions with 5,000 responses, measures the wide CSV and the wide
XLSX, doubles the responses and measures again. Each export runs in a process of its own, which
reports its peak resident memory above what it started with (VmHWM − VmRSS, from /proc) and the
peak of Python's own allocations (tracemalloc). Flat means: the same at double the data. The
survey is deleted at the end. Prints figures; asserts nothing about memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.models import CompetenceArea, County, Library, Programme
from surveys.models import Survey
from surveys.results import exports
from surveys.synthetic import add_responses, wide_survey

FORMATS = ("responses-wide.csv", "responses-wide.xlsx")


def _proc_status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def export_measure(survey: Survey, name: str) -> dict:
    """Produce one export to the end, as the view streams it; memory and time used."""
    start_rss = _proc_status_kib("VmRSS")
    tracemalloc.start()
    started = time.perf_counter()
    size = 0
    if name.endswith(".csv"):
        for chunk in exports.csv_stream(exports.wide_rows(survey)):
            size += len(chunk)
    else:
        handle = exports.xlsx_file(
            {"responses": exports.wide_rows(survey), "codebook": exports.codebook_rows(survey)}
        )
        while chunk := handle.read(64 * 1024):
            size += len(chunk)
        handle.close()
    _current, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": time.perf_counter() - started,
        "bytes": size,
        "rss_peak_mib": (_proc_status_kib("VmHWM") - start_rss) / 1024,
        "python_peak_mib": python_peak / 2**20,
    }


class Command(BaseCommand):
    help = "Peak memory of the wide CSV and XLSX exports at 5,000 and 10,000 responses."

    def add_arguments(self, parser):
        parser.add_argument("--responses", type=int, default=5000)
        parser.add_argument("--measure", nargs=2, metavar=("SURVEY", "EXPORT"), help="(internal)")

    def handle(self, *args, **options):
        if options["measure"]:
            survey = Survey.objects.get(pk=options["measure"][0])
            self.stdout.write(json.dumps(export_measure(survey, options["measure"][1])))
            return
        programme, survey = self._survey()
        try:
            self.stdout.write(
                f"{'responses':>10} {'export':<22}{'MiB RSS':>9}{'MiB Python':>12}"
                f"{'seconds':>9}{'MiB file':>10}"
            )
            total = 0
            for step in (1, 2):
                total += self._fill(survey, options["responses"], seed=step)
                for name in FORMATS:
                    figures = self._measure(survey, name)
                    self.stdout.write(
                        f"{total:>10} {name:<22}{figures['rss_peak_mib']:>9.1f}"
                        f"{figures['python_peak_mib']:>12.1f}{figures['seconds']:>9.1f}"
                        f"{figures['bytes'] / 2**20:>10.1f}"
                    )
        finally:
            programme.delete()
            Library.objects.filter(pk__in=[lib.pk for lib in self.libraries]).delete()

    def _survey(self):
        county = County.objects.get_or_create(number="98", defaults={"name": "Benchmark"})[0]
        programme = Programme.objects.create(
            name="Export benchmark",
            start_date="2011-03-01",
            end_date="2012-12-31",
            lead_county=county,
        )
        programme.counties.set([county])
        areas = [
            CompetenceArea.objects.create(programme=programme, code=f"a{i}", name=f"Area {i}")
            for i in range(5)
        ]
        self.libraries = [
            Library.objects.get_or_create(county=county, name=f"Benchmark library {i}")[0]
            for i in range(10)
        ]
        return programme, wide_survey(programme=programme, areas=areas, questions=40)

    def _fill(self, survey, responses, *, seed) -> int:
        per_library = responses // len(self.libraries)
        for index, library in enumerate(self.libraries):
            add_responses(survey, count=per_library, library=library, seed=seed * 100 + index)
        return per_library * len(self.libraries)

    def _measure(self, survey, name) -> dict:
        result = subprocess.run(  # noqa: S603 - this same command, fixed arguments
            [sys.executable, "manage.py", "benchmark_exports", "--measure", str(survey.pk), name],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(result.stderr[-2000:])
        return json.loads(result.stdout.strip().splitlines()[-1])
