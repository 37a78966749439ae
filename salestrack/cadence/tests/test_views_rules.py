"""/cadence/rules/: administrators only (403 for everyone else), every change audited."""

import pytest
from django.urls import reverse

from salestrack.audit.models import AuditEntry
from salestrack.cadence.models import FollowUpRule
from salestrack.cadence.tests.factories import FollowUpRuleFactory

pytestmark = pytest.mark.django_db

RULES = reverse("cadence:rules")
CREATE = reverse("cadence:rule_create")

FORM = {
    "name": "A/B类演示后复盘",
    "trigger": "after_followup",
    "after_kinds": ["demo", "meeting"],
    "tiers": ["A", "B"],
    "followup_kind": "call",
    "next_step": "电话复盘",
    "due_within": "24",
    "due_unit": "hours",
    "is_active": "on",
}


def test_only_administrators_see_the_rules(client, personas):
    rule = FollowUpRuleFactory()
    for user in (personas.alice, personas.charlie, personas.mia):
        client.force_login(user)
        assert client.get(RULES).status_code == 403
        assert client.get(CREATE).status_code == 403
        assert client.post(CREATE, FORM).status_code == 403
        assert client.post(reverse("cadence:rule_edit", args=[rule.pk]), FORM).status_code == 403
        assert client.post(reverse("cadence:rule_delete", args=[rule.pk])).status_code == 403
    assert FollowUpRule.objects.filter(pk=rule.pk, name=rule.name).exists()
    client.force_login(personas.admin)
    html = client.get(RULES).content.decode()
    assert f'data-rule="{rule.pk}"' in html
    assert reverse("cadence:rule_edit", args=[rule.pk]) in html


def test_anonymous_users_go_to_the_login_page(client, db):
    assert client.get(RULES).status_code == 302


def test_an_administrator_creates_a_rule_audited(client, personas):
    client.force_login(personas.admin)
    assert client.post(CREATE, FORM).status_code == 302
    rule = FollowUpRule.objects.get(name=FORM["name"])
    assert (rule.after_kinds, rule.tiers, rule.every_days) == (
        ["demo", "meeting"],
        ["A", "B"],
        None,
    )
    entry = AuditEntry.objects.get(object_type="cadence.followuprule", object_id=str(rule.pk))
    assert (entry.action, entry.actor) == ("create", personas.admin)
    assert entry.changes["tiers"] == [None, ["A", "B"]]


def test_an_edit_is_audited_with_before_and_after(client, personas):
    rule = FollowUpRuleFactory(due_within=24)
    client.force_login(personas.admin)
    data = {**FORM, "due_within": "12", "is_active": ""}
    assert client.post(reverse("cadence:rule_edit", args=[rule.pk]), data).status_code == 302
    rule.refresh_from_db()
    assert (rule.due_within, rule.is_active) == (12, False)
    entry = AuditEntry.objects.get(object_type="cadence.followuprule", action="update")
    assert entry.changes["due_within"] == [24, 12]
    assert entry.changes["is_active"] == [True, False]


def test_a_touch_rule_needs_its_days_and_an_after_rule_its_kinds(client, personas):
    client.force_login(personas.admin)
    response = client.post(CREATE, {**FORM, "after_kinds": []})
    assert response.status_code == 200 and "after_kinds" in response.context["form"].errors
    response = client.post(CREATE, {**FORM, "trigger": "every_days", "every_days": ""})
    assert response.status_code == 200 and "every_days" in response.context["form"].errors
    assert (
        client.post(CREATE, {**FORM, "trigger": "every_days", "every_days": "3"}).status_code == 302
    )
    rule = FollowUpRule.objects.get(name=FORM["name"])
    assert (rule.every_days, rule.after_kinds) == (3, [])  # kinds apply to after-rules only
    assert (
        not AuditEntry.objects.filter(object_type="cadence.followuprule")
        .exclude(object_id=str(rule.pk))
        .exists()
    )


def test_an_administrator_deletes_a_rule_audited(client, personas):
    rule = FollowUpRuleFactory()
    client.force_login(personas.admin)
    assert client.post(reverse("cadence:rule_delete", args=[rule.pk])).status_code == 302
    assert not FollowUpRule.objects.filter(pk=rule.pk).exists()
    entry = AuditEntry.objects.get(object_type="cadence.followuprule", action="delete")
    assert entry.changes["name"] == [rule.name, None]


def test_the_top_bar_links_the_rules_for_administrators_only(client, personas):
    client.force_login(personas.admin)
    assert RULES in client.get(reverse("activities:mine")).content.decode()
    client.force_login(personas.alice)
    assert RULES not in client.get(reverse("activities:mine")).content.decode()
