"""A table's state: its rows' tokens combined with exclusive or, so that the rows of connections
gone can be folded together without changing it (portal.table_versions)."""

from django.db import migrations

from portal import table_versions


def install_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(table_versions.COMBINING_FUNCTIONS_SQL)


def drop_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS portal_token_bits(uuid)")
        schema_editor.execute("DROP FUNCTION IF EXISTS portal_bits_token(bit)")


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_table_versions")]

    operations = [migrations.RunPython(install_functions, drop_functions)]
