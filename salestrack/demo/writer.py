"""Fast inserts for the demo generator: explicit primary keys, then COPY on PostgreSQL and one
executemany per batch elsewhere.

Django's bulk_create prepares every value through its field (about 10 µs each); at 100,000 deals
that is 15 million values and most of the run. The generator plans plain tuples instead and
writes them here. Values arrive in Python types the drivers accept (int, str, Decimal, date,
aware datetime); only SQLite needs aware datetimes turned into Django's naive UTC text.

Meant for a seeding run with no concurrent writers: primary keys are taken from max(id) + 1.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from operator import attrgetter

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

BATCH_SIZE = 5000


class IdSequence:
    """Hands out the next primary keys of a table (after the largest one in use)."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.next = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def sequences_reset(model_classes: Sequence[type[models.Model]]) -> None:
    """After explicit-id inserts, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def instances_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances that already carry their primary key and foreign key ids."""
    columns = [f.attname for f in model._meta.concrete_fields]
    rows_insert(model, columns, map(attrgetter(*columns), objs))


def rows_insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]
) -> None:
    """INSERT rows given as sequences of values in `columns` order (attnames, e.g. "deal_id").

    Concrete fields not in `columns` get their default, so a field added later with a default
    does not break the generator; one without a default (and not nullable) fails loudly.
    """
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    given = {f.attname for f in fields}
    missing = [f for f in meta.concrete_fields if f.attname not in given and not f.primary_key]
    for f in missing:
        if not f.has_default() and not f.null:
            raise ValueError(f"The demo generator gives no value for {meta.label}.{f.name}.")
    fill = [f.get_db_prep_save(f.get_default(), connection) for f in missing]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column_list = ", ".join(quote(f.column) for f in [*fields, *missing])
    if connection.vendor == "postgresql":
        # COPY streams the rows; psycopg adapts Decimal, date and aware datetimes itself.
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([*row, *fill])
        return

    placeholders = ", ".join(["%s"] * (len(fields) + len(missing)))
    sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"
    datetimes = (
        [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
        if connection.vendor == "sqlite"
        else []
    )
    db_timezone = connection.timezone
    batch: list[list] = []
    with connection.cursor() as cursor:
        for row in rows:
            values = list(row)
            for i in datetimes:
                values[i] = _sqlite_datetime(values[i], db_timezone)
            values.extend(fill)
            batch.append(values)
            if len(batch) >= BATCH_SIZE:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _sqlite_datetime(value: datetime | None, db_timezone: tzinfo) -> str | None:
    """What DatabaseOperations.adapt_datetimefield_value stores on SQLite (naive, DB time zone)."""
    if value is None:
        return None
    return str(value.astimezone(db_timezone).replace(tzinfo=None))
