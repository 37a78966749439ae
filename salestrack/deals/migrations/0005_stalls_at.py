import datetime

from django.db import migrations, models
from django.db.models import F


def fill_stalls_at(apps, schema_editor):
    """stalls_at = stage_entered_at + rot_days for open deals (trashed ones included); one
    UPDATE per open stage."""
    Stage = apps.get_model("pipeline", "Stage")
    Deal = apps.get_model("deals", "Deal")
    for stage in Stage.objects.filter(kind="open").only("pk", "rot_days"):
        Deal._base_manager.filter(stage_id=stage.pk, status="open").update(
            stalls_at=F("stage_entered_at") + datetime.timedelta(days=stage.rot_days)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0004_soft_delete"),
        ("pipeline", "0004_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="stalls_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="stalled from"
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True), ("stalls_at__isnull", False)),
                fields=["stalls_at"],
                name="deal_stalls_at",
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True), ("status", "open")),
                fields=["last_activity_at", "created_at"],
                name="deal_open_last_activity",
            ),
        ),
        migrations.RunPython(fill_stalls_at, migrations.RunPython.noop),
    ]
