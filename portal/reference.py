"""Reference data: the counties of 2011 and one public library per municipality."""

import csv
from pathlib import Path

from django.db import transaction

from .models import County, Library

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(name):
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


@transaction.atomic
def reference_data_load() -> dict[str, int]:
    """Idempotent: counties, a county library per county with municipalities, public libraries."""
    counties = {}
    for row in _rows("norway_2011_counties.csv"):
        county, _ = County.objects.update_or_create(
            number=row["county_number"], defaults={"name": row["county_name"]}
        )
        counties[county.number] = county
    libraries = 0
    seen_counties = set()
    for row in _rows("norway_2011_municipalities.csv"):
        county = counties[row["county_number"]]
        if county.number not in seen_counties:
            seen_counties.add(county.number)
            Library.objects.get_or_create(
                county=county,
                kind=Library.Kind.COUNTY,
                defaults={"name": f"{county.name} fylkesbibliotek"},
            )
        Library.objects.update_or_create(
            county=county,
            municipality_number=row["municipality_number"],
            kind=Library.Kind.PUBLIC,
            defaults={"name": f"{row['municipality_name']} folkebibliotek"},
        )
        libraries += 1
    return {"counties": len(counties), "public_libraries": libraries}
