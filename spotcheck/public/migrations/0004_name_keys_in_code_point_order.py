"""Name keys compare in code-point order on PostgreSQL too.

The public search finds names by a key range ("沂源" ≤ key < "沂溑"), which is exact only when
the column sorts by code point. A database created with a Chinese or other locale collation
(zh_CN.UTF-8, ICU zh) sorts by pinyin or strokes instead, and the range would miss names. SQLite
compares text by code point (BINARY) already; on PostgreSQL the column gets the "C" collation,
and its index is rebuilt with it.
"""

from django.db import migrations


def _set_key_collation(apps, schema_editor, collation: str) -> None:
    model = apps.get_model("public", "PublicNameKey")
    table = schema_editor.quote_name(model._meta.db_table)
    length = model._meta.get_field("key").max_length
    schema_editor.execute(
        f'ALTER TABLE {table} ALTER COLUMN "key" TYPE varchar({length}) COLLATE {collation}'
    )


def keys_in_code_point_order(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _set_key_collation(apps, schema_editor, '"C"')


def keys_in_database_order(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _set_key_collation(apps, schema_editor, '"default"')


class Migration(migrations.Migration):
    dependencies = [("public", "0003_public_names")]

    operations = [migrations.RunPython(keys_in_code_point_order, keys_in_database_order)]
