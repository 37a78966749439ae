from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0005_stalls_at"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="deal", name="deal_open_last_activity"),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True), ("status", "open")),
                fields=["stage_entered_at", "stalls_at", "last_activity_at", "created_at"],
                name="deal_open_stall_scan",
            ),
        ),
    ]
