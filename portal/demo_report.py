"""The demo's generated report to the funder: made when the demo is loaded, synchronously through
the same service as the page's task, so a newcomer finds a PDF and a DOCX to download.

It reports on the demo programme that has ended (the historical one), else the current one, in
Bokmål, for the whole programme period, as its project leader."""

from __future__ import annotations

from django.utils import timezone, translation

from . import permissions, services
from .models import FunderReport, Programme

DEMO_FOREWORD = (
    "Programmet har samlet fylkesbibliotekene om kompetanseheving i folkebibliotekene: "
    "kartlegging av behov, kurs rettet mot de største gapene, modellbibliotek og hospitering, "
    "og en oppfølgingsundersøkelse som viser endringen per fylke."
)


def demo_report_programme(*, current: Programme) -> Programme:
    ended = Programme.objects.filter(end_date__lt=timezone.localdate()).order_by("-end_date")
    return ended.first() or current


def demo_funder_report_load(*, current: Programme) -> FunderReport | None:
    programme = demo_report_programme(current=current)
    done = FunderReport.objects.filter(
        programme=programme, status=FunderReport.Status.DONE, foreword=DEMO_FOREWORD
    )
    if done.exists():  # loaded before (make run loads the demo each time)
        return done.first()
    leader = permissions.users_for("generate_report", programme).order_by("pk").first()
    if leader is None:
        return None
    report = services.funder_report_request(
        programme=programme, user=leader, year=None, language="nb", foreword=DEMO_FOREWORD
    )
    # With eager tasks (make run) the request has made it already; else it is made here and now,
    # and the worker that gets the task finds it done.
    report.refresh_from_db()
    with translation.override("nb"):
        return services.funder_report_generate(report=report)
