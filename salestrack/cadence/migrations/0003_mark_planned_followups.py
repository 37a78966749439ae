from django.db import migrations


def forwards(apps, schema_editor):
    FollowUp = apps.get_model("activities", "FollowUp")
    PlannedFollowUp = apps.get_model("cadence", "PlannedFollowUp")
    planned = PlannedFollowUp.objects.values("followup_id")
    FollowUp.objects.filter(pk__in=planned).update(planned=True)


class Migration(migrations.Migration):
    dependencies = [("cadence", "0002_seed_rules"), ("activities", "0003_followup_planned")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
