from datetime import date

import pytest
import time_machine

from salestrack.audit.models import AuditEntry
from salestrack.core.exceptions import ApplicationError
from salestrack.deals.tests.factories import DealFactory
from salestrack.risks.models import ReviewDecision, RiskFlag
from salestrack.risks.services import (
    review_decision_save,
    risk_flag_raise,
    risk_flag_resolve,
)

pytestmark = pytest.mark.django_db


def _entries(obj):
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("seq")


def test_it_raises_and_resolves_a_flag_with_audit(personas):
    deal = DealFactory(owner=personas.alice)
    flag = risk_flag_raise(
        deal=deal, actor=personas.alice, kind=RiskFlag.Kind.DECISION_MAKER_LEFT, reason="王总离职"
    )
    again = risk_flag_raise(
        deal=deal, actor=personas.bob, kind=RiskFlag.Kind.DECISION_MAKER_LEFT, reason="王总已离职"
    )
    assert again.pk == flag.pk and again.reason == "王总已离职"

    risk_flag_resolve(flag=flag, actor=personas.mia)
    risk_flag_resolve(flag=flag, actor=personas.mia)  # twice: nothing more

    flag.refresh_from_db()
    assert flag.resolved_by == personas.mia and flag.resolved_at is not None
    actions = [(e.action, e.actor_id) for e in _entries(flag)]
    assert actions == [
        (AuditEntry.Action.CREATE, personas.alice.pk),
        (AuditEntry.Action.UPDATE, personas.bob.pk),
        (AuditEntry.Action.UPDATE, personas.mia.pk),
    ]
    assert _entries(flag)[0].extra["deal_id"] == deal.pk


def test_it_refuses_an_unknown_kind(personas):
    with pytest.raises(ApplicationError):
        risk_flag_raise(deal=DealFactory(owner=personas.alice), actor=None, kind="weather")


def test_it_saves_one_decision_per_deal_and_iso_week(personas):
    deal = DealFactory(owner=personas.alice)
    with time_machine.travel(date(2026, 11, 25), tick=False):  # a Wednesday, week 48
        first = review_decision_save(
            deal=deal, actor=personas.mia, decision="continue", note="下周见客户"
        )
        second = review_decision_save(deal=deal, actor=personas.mia, decision="drop", note="")
    with time_machine.travel(date(2026, 12, 1), tick=False):
        next_week = review_decision_save(deal=deal, actor=personas.mia, decision="change_approach")

    assert first.pk == second.pk and second.decision == "drop"
    assert (second.week, second.iso_week) == (date(2026, 11, 23), "2026-W48")
    assert next_week.iso_week == "2026-W49"
    assert ReviewDecision.objects.filter(deal=deal).count() == 2
    entries = list(_entries(first))
    assert [e.action for e in entries] == [AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE]
    assert entries[1].changes["decision"] == ["continue", "drop"]
    assert entries[0].extra == {"deal_id": deal.pk, "week": "2026-W48"}


def test_it_refuses_an_unknown_decision(personas):
    with pytest.raises(ApplicationError):
        review_decision_save(
            deal=DealFactory(owner=personas.alice), actor=personas.mia, decision="maybe"
        )
