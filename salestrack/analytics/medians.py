"""Medians in SQL, on SQLite (>= 3.25) and PostgreSQL alike.

The database ranks the rows of each group by the value (ROW_NUMBER and COUNT over a window) and
returns only the middle row (odd count) or the two middle rows (even count): ranks
(n+1)/2 .. (n+2)/2 in integer division, i.e. 3..3 of 5 and 2..3 of 4. At most two rows per
group leave the database; the same technique as risks.services._middle_rows, for any
queryset, any group keys and any value expression.
"""

from datetime import timedelta

from django.db import connection
from django.db.models import Aggregate, Count, Expression, F, QuerySet, Window
from django.db.models.functions import RowNumber


class Median(Aggregate):
    """PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY value), PostgreSQL only (FILTER allowed);
    give the output_field (FloatField for numbers, DurationField for intervals)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def median_aggregate_available() -> bool:
    """Whether `Median` can run in the GROUP BY (else: group_medians, a window query)."""
    return connection.vendor == "postgresql"


def group_medians(
    qs: QuerySet, *, keys: dict[str, Expression | str], value: Expression | str
) -> dict:
    """{(key values...): median of `value`} for each group of `qs` by `keys` (timedelta values
    are averaged as timedeltas, numbers as floats)."""
    keys = {name: F(e) if isinstance(e, str) else e for name, e in keys.items()}
    value = F(value) if isinstance(value, str) else value
    names = list(keys)
    partition = [F(name) for name in names]
    ranked = (
        qs.order_by()
        .annotate(**keys, median_value=value)
        .annotate(
            median_rank=Window(
                RowNumber(), partition_by=partition, order_by=[F("median_value").asc(), F("pk")]
            ),
            median_size=Window(Count("pk"), partition_by=partition),
        )
        .filter(
            median_rank__gte=(F("median_size") + 1) / 2,
            median_rank__lte=(F("median_size") + 2) / 2,
        )
        .values_list(*names, "median_value")
    )
    middles: dict[tuple, list] = {}
    for *key, middle in ranked:
        middles.setdefault(tuple(key), []).append(middle)
    return {key: _mean(values) for key, values in middles.items()}


def _mean(values: list):
    if isinstance(values[0], timedelta):
        return sum(values, timedelta()) / len(values)
    return sum(float(v) for v in values) / len(values)
