"""The two example rules of issue 5. The review call after a demo or visit with an A customer is
active (it acts only on follow-ups recorded from now on); the daily touch of A customers starts
inactive, because its first morning run plans a follow-up for every A customer not touched
that day: an administrator switches it on at /cadence/rules/."""

from django.db import migrations

RULES = [
    {
        "name": "A类客户演示/拜访后24小时内复盘",
        "trigger": "after_followup",
        "after_kinds": ["demo", "visit"],
        "tiers": ["A"],
        "followup_kind": "call",
        "next_step": "电话复盘：确认客户反馈、疑虑和下一步",
        "due_within": 24,
        "due_unit": "hours",
        "is_active": True,
    },
    {
        "name": "A类客户每日触达",
        "trigger": "every_days",
        "every_days": 1,
        "tiers": ["A"],
        "followup_kind": "call",
        "next_step": "今日触达A类客户",
        "due_within": 0,
        "due_unit": "days",
        "is_active": False,
    },
]


def seed(apps, schema_editor):
    FollowUpRule = apps.get_model("cadence", "FollowUpRule")
    for data in RULES:
        FollowUpRule.objects.get_or_create(name=data["name"], defaults=data)


def unseed(apps, schema_editor):
    FollowUpRule = apps.get_model("cadence", "FollowUpRule")
    FollowUpRule.objects.filter(name__in=[r["name"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cadence", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
