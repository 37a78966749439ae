"""The authorization matrix (authz.RULES): every role × every page, export and endpoint × a
record of the requester's own, of a same-team colleague and of another team.

Refused POSTs (expected 403/404) are run by test_refused_writes_snapshot.py, which also proves
the database did not change; every other case runs here.
"""

import io
import zipfile

import pytest
from django.urls import reverse

from salestrack.access.tests.authz import (
    ALLOW,
    NOOP,
    PENDING,
    RELATIONS,
    RULES,
    STATUSES,
    Case,
    World,
    cases,
    db_snapshot,
    known_reason,
    marker_of,
    snapshot_diff,
    target_of,
    unruled,
    url_names,
)

pytestmark = pytest.mark.django_db


def refused_write(case: Case) -> bool:
    return case.method == "POST" and case.expected not in (ALLOW, NOOP)


def body_of(response) -> bytes:
    """The response's bytes; an XLSX file's XML parts, unzipped."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist())
    return body


def login(client, world: World, case: Case) -> None:
    """Log in as the case's requester (a login writes an audit entry and last_login)."""
    client.force_login(world.act_as(case.role))


def call(client, world: World, case: Case):
    """Send the case's request (after login())."""
    args, data = target_of(world, case)
    url = "/" if case.name == "/" else reverse(case.name, args=args)
    if case.method == "POST":
        return client.post(url, data)
    return client.get(url, data if RULES[case.name].get_query else None)


def label_of(case: Case) -> str:
    return f"{case.role} {case.method} {case.name} [{case.rel}] expected {case.expected}"


def test_every_url_of_the_project_has_a_rule():
    missing = unruled()
    assert not missing, f"URLs without a rule in access/tests/authz.py RULES: {missing}"


def test_no_url_is_pending_a_rule():
    assert not PENDING, f"write rules for {sorted(PENDING)}"


def test_every_rule_names_an_existing_url():
    assert not set(RULES) - set(url_names()), "rules for URLs that no longer exist"


def _param(case: Case):
    reason = known_reason(case)  # known bugs (authz.KNOWN): strict xfail until fixed
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in cases() if not refused_write(c)])
def test_matrix(client, world, case):
    login(client, world, case)
    before = db_snapshot() if case.expected == NOOP else None

    response = call(client, world, case)

    body = body_of(response)
    assert response.status_code in STATUSES[case.expected], (
        f"{label_of(case)}: got {response.status_code}\n{body[:600].decode(errors='replace')}"
    )
    if before is not None:
        changed = snapshot_diff(before, db_snapshot())
        assert not changed, f"{label_of(case)}: the database changed: {changed}"
    rule = RULES[case.name]
    if rule.lists and case.expected == ALLOW:
        text = body.decode("utf-8", errors="replace")
        shown = {rel for rel in RELATIONS if marker_of(world.rec(rel), rule.lists) in text}
        assert shown == set(rule.shows[case.role]), f"{label_of(case)}: lists {sorted(shown)}"
