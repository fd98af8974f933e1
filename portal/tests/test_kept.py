"""What `portal.table_versions.kept` keeps between requests: exactly while the tables it was
computed from are unchanged, and nothing it cannot be sure of."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from portal import table_versions
from portal.models import County, Library
from portal.table_versions import kept, kept_html

from .test_dashboard_cache import county_renamed_elsewhere

pytestmark = pytest.mark.django_db


def _county_names(computed: list) -> list[str]:
    computed.append(True)
    return list(County.objects.order_by("pk").values_list("name", flat=True))


def test_kept_while_its_tables_are_unchanged_and_computed_again_after_a_write(world):
    cache.clear()
    computed = []
    first = kept("test:counties", lambda: _county_names(computed), timeout=60)
    with CaptureQueriesContext(connection) as queries:
        assert kept("test:counties", lambda: _county_names(computed), timeout=60) == first
    assert len(computed) == 1 and len(queries) == 1  # the states of the tables it read

    world.library_a.name = "Et annet navn"
    world.library_a.save()  # a table it did not read
    kept("test:counties", lambda: _county_names(computed), timeout=60)
    assert len(computed) == 1

    world.county_a.name = "Nytt fylke"
    world.county_a.save()
    assert "Nytt fylke" in kept("test:counties", lambda: _county_names(computed), timeout=60)
    assert len(computed) == 2


def test_nothing_is_kept_from_a_computation_that_wrote(world):
    cache.clear()
    computed = []

    def written():
        computed.append(True)
        Library.objects.filter(pk=world.library_a.pk).update(name="Skrevet")
        return 1

    kept("test:written", written, timeout=60)
    kept("test:written", written, timeout=60)
    assert len(computed) == 2 and cache.get("test:written") is None


def test_kept_html_is_kept_per_language_and_per_state_of_the_templates(
    world, monkeypatch, tmp_path
):
    cache.clear()
    (tmp_path / "kept.html").write_text("{% load i18n %}{% translate 'Library' %}: {{ n }}")
    monkeypatch.setattr(table_versions, "get_template_directories", lambda: {tmp_path})
    table_versions.templates_fingerprint.cache_clear()
    monkeypatch.setattr(
        "django.template.loaders.filesystem.Loader.get_dirs", lambda self: [tmp_path]
    )
    try:
        counted = []

        def context():
            counted.append(County.objects.count())
            return {"n": counted[-1]}

        with translation.override("en"):
            assert kept_html("test", ["kept.html"], context) == [f"Library: {counted[0]}"]
            kept_html("test", ["kept.html"], context)
        with translation.override("nb"):
            assert kept_html("test", ["kept.html"], context) == [f"Bibliotek: {counted[0]}"]
        assert len(counted) == 2

        before = table_versions.templates_fingerprint()
        (tmp_path / "kept.html").write_text("{{ n }} counties")  # a deploy with a new template
        table_versions.templates_fingerprint.cache_clear()  # (a new process)
        assert table_versions.templates_fingerprint() != before
        with translation.override("en"):
            kept_html("test", ["kept.html"], context)
        assert len(counted) == 3
    finally:
        table_versions.templates_fingerprint.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_while_computing_is_not_kept(world):
    """Another connection commits a write to a table the computation reads while it runs: the
    value may or may not have seen it, so nothing is stored under the states read before."""
    cache.clear()
    computed = []

    def names_while_another_writes():
        names = _county_names(computed)
        if len(computed) == 1:
            county_renamed_elsewhere(world.county_a)
        return names

    kept("test:racing", names_while_another_writes, timeout=60)
    assert cache.get("test:racing") is None
    second = kept("test:racing", names_while_another_writes, timeout=60)
    assert cache.get("test:racing") is not None and f"{world.county_a.name}!" in second
    assert kept("test:racing", names_while_another_writes, timeout=60) == second
    assert len(computed) == 2


def _library_names(computed: list) -> list[str]:
    computed.append(True)
    return list(Library.objects.order_by("pk").values_list("name", flat=True))


def test_a_kept_value_used_inside_another_counts_as_a_read_of_its_tables(world):
    """The outer value holds the inner one: a write to the inner's table changes the outer too,
    also when the inner was read from the cache (no query of its table inside the outer)."""
    cache.clear()
    inner, outer = [], []

    def libraries_and_counties():
        outer.append(True)
        libraries = kept("test:inner", lambda: _library_names(inner), timeout=60)
        return libraries, _county_names([])

    kept("test:inner", lambda: _library_names(inner), timeout=60)  # the inner is kept first
    first = kept("test:outer", libraries_and_counties, timeout=60)
    assert kept("test:outer", libraries_and_counties, timeout=60) == first
    assert (len(inner), len(outer)) == (1, 1)

    world.library_a.name = "Nytt navn"
    world.library_a.save()
    libraries, _counties = kept("test:outer", libraries_and_counties, timeout=60)
    assert "Nytt navn" in libraries and (len(inner), len(outer)) == (2, 2)


def test_tables_the_key_names_are_not_checked_and_still_named_guards_what_is_stored(world):
    """`named`: a write to such a table keeps the value (the key names its rows' state); a
    computation whose rows were no longer the named ones (`still_named` false) keeps nothing."""
    cache.clear()
    computed = []
    named = [County._meta.db_table]

    def both():
        return _library_names(computed), _county_names([])

    first = kept("test:named", both, timeout=60, named=named)
    world.county_a.name = "Skrevet"
    world.county_a.save()  # named: the value holds
    assert kept("test:named", both, timeout=60, named=named) == first
    world.library_a.name = "Nytt navn"
    world.library_a.save()  # not named: computed again
    kept("test:named", both, timeout=60, named=named)
    assert len(computed) == 2

    cache.clear()
    kept("test:moved", both, timeout=60, named=named, still_named=lambda: False)
    assert cache.get("test:moved") is None

    # Inside another's computation a kept value counts as a read of its named tables too: the
    # outer key does not name their rows.
    outer = []

    def holding_both():
        outer.append(True)
        return kept("test:named", both, timeout=60, named=named)

    kept("test:named", both, timeout=60, named=named)
    kept("test:holding", holding_both, timeout=60)
    world.county_a.name = "Skrevet igjen"
    world.county_a.save()
    kept("test:holding", holding_both, timeout=60)
    assert len(outer) == 2


def test_a_read_as_other_tables_is_kept_under_those_tables_states_only(world):
    """A question whose answer only decides whether something is written first (`read_as`)
    counts as a read of the tables it names: the value is kept while the libraries change, and
    computed again when a named table changes."""
    cache.clear()
    computed = []

    def libraries_exist():
        computed.append(True)
        with table_versions.read_as([County._meta.db_table]):
            return Library.objects.exists()

    assert kept("test:read-as", libraries_exist, timeout=60)
    Library.objects.filter(pk=world.library_a.pk).update(name="Et annet navn")
    assert kept("test:read-as", libraries_exist, timeout=60)
    assert len(computed) == 1
    County.objects.filter(pk=world.county_a.pk).update(name="Nytt fylke")
    assert kept("test:read-as", libraries_exist, timeout=60)
    assert len(computed) == 2
