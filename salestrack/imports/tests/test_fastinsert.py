"""insert_rows: ids in row order, defaults, None, decimals and dates, over several statements
(VALUES lists on SQLite, UNNEST arrays on PostgreSQL — CI runs this file on both)."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salestrack.customers.models import Customer
from salestrack.imports import fastinsert


def test_it_inserts_in_row_order_with_defaults_over_several_statements(personas, monkeypatch):
    monkeypatch.setattr(fastinsert, "UNNEST_ROWS", 40)
    monkeypatch.setattr(fastinsert, "MAX_PARAMS", 40 * len(Customer._meta.concrete_fields))
    now = timezone.now()
    rows = [
        {
            "name": f"客户{i:03d}有限公司",
            "owner_id": personas.alice.pk,
            "team_id": personas.alice.team_id,
            "budget": Decimal("12.50") * i if i % 3 else None,
            "last_activity_at": now - datetime.timedelta(days=i) if i % 2 else None,
        }
        for i in range(100)
    ]
    with CaptureQueriesContext(connection) as queries:
        ids = fastinsert.insert_rows(Customer, rows, now=now)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3  # 40 + 40 + 20 rows
    assert len(ids) == 100 and ids == sorted(ids)
    found = Customer.objects.in_bulk(ids)
    for pk, row in zip(ids, rows, strict=True):
        customer = found[pk]
        assert customer.name == row["name"] and customer.budget == row["budget"]
        assert customer.last_activity_at == row["last_activity_at"]
        assert (
            customer.created_at == now
            and customer.tier == Customer._meta.get_field("tier").get_default()
        )
        assert customer.industry == "" and customer.owner_id == personas.alice.pk
    if connection.vendor == "postgresql":
        assert "UNNEST" in inserts[0]["sql"]
