"""The OpenAPI description is generated from the code; the committed copy (api/openapi.yaml,
which people and tools read without a running portal) must be the same. After changing the API:
`make api-schema`."""

from pathlib import Path

from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parent.parent / "openapi.yaml"


def test_the_committed_schema_is_the_one_the_code_generates(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--file", str(generated), "--validate")
    assert generated.read_text() == COMMITTED.read_text(), (
        "api/openapi.yaml is out of date: generate it again (see this test's docstring)"
    )
