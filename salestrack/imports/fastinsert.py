"""Multi-row INSERT … RETURNING id from plain dicts: bulk_create without model instances.

Django's bulk_create prepares every value of every instance through the compiler (and builds
the instances first): most of an import's time. Here the defaults are computed once per call
(field.get_default(), auto_now fields = now), text, integers and foreign keys pass through
unchanged, and only other values go through field.get_db_prep_save. Ids come back in row
order (RETURNING on PostgreSQL and SQLite ≥ 3.35, as bulk_create relies on too); elsewhere
it falls back to bulk_create.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection, models

MAX_PARAMS = 30_000  # per statement; under SQLite's default limit (32,766)
UNNEST_ROWS = 2_000  # rows per statement on PostgreSQL (one array parameter per column)
_PASS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
)


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    if field.is_relation or isinstance(field, _PASS):
        return None
    if isinstance(field, (models.DateTimeField, models.DateField)):
        # The same few values come back on every row (the import's `now`, the same dates):
        # adapted once each (time zone conversion and formatting are most of an insert's time).
        cache: dict = {}

        def adapt(value):
            found = cache.get(value)
            if found is None:
                if len(cache) > 10_000:
                    cache.clear()
                found = cache[value] = field.get_db_prep_save(value, connection)
            return found

        return adapt
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]], *, now: datetime) -> list:
    """Insert rows (attname → value; missing columns get their default); their new ids."""
    if not rows:
        return []
    if not connection.features.can_return_rows_from_bulk_insert:
        objs = model._base_manager.bulk_create([model(**row) for row in rows], batch_size=500)
        return [obj.pk for obj in objs]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    defaults = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults.append(now)
        else:
            defaults.append(f.get_default())
    adapters = [_adapter(f) for f in fields]
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    per_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    batch = max(1, min(1000, MAX_PARAMS // len(fields)))
    ids: list = []
    if _unnest_ok(fields):
        return _insert_unnest(meta, fields, rows, [names, defaults, adapters])
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params: list = []
            for row in chunk:
                for name, default, adapt in zip(names, defaults, adapters, strict=True):
                    value = row.get(name, default)
                    params.append(value if adapt is None or value is None else adapt(value))
            sql = (
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
                f"{', '.join([per_row] * len(chunk))} RETURNING {quote(meta.pk.column)}"
            )
            cursor.execute(sql, params)
            ids.extend(pk for (pk,) in cursor.fetchall())
    return ids


def _unnest_ok(fields: list[models.Field]) -> bool:
    """PostgreSQL, and columns Django itself would insert through UNNEST (bulk_create's test)."""
    if connection.vendor != "postgresql":
        return False
    return not any(
        hasattr(f, "get_placeholder")
        or (f.target_field if f.is_relation else f).get_internal_type() not in connection.data_types
        for f in fields
    )


def _insert_unnest(meta, fields: list[models.Field], rows: list[dict], how: list) -> list:
    """INSERT … SELECT * FROM UNNEST(one array per column) RETURNING id, as Django's
    bulk_create does on PostgreSQL: a short statement whatever the number of rows. (A VALUES
    list of 30,000 placeholders is split by psycopg's query parser on every call — a third
    of the import's CPU time on PostgreSQL before this.)"""
    names, defaults, adapters = how
    quote = connection.ops.quote_name
    # no length in the array types (varchar[], not varchar(200)[]): as Django does
    casts = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT * FROM UNNEST({casts}) RETURNING {quote(meta.pk.column)}"
    )
    ids: list = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UNNEST_ROWS):
            columns: list[list] = [[] for _ in fields]
            for row in rows[start : start + UNNEST_ROWS]:
                for column, name, default, adapt in zip(
                    columns, names, defaults, adapters, strict=True
                ):
                    value = row.get(name, default)
                    column.append(value if adapt is None or value is None else adapt(value))
            cursor.execute(sql, columns)
            ids.extend(pk for (pk,) in cursor.fetchall())
    return ids
