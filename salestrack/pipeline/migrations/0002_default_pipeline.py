from django.db import migrations


def create_default_pipeline(apps, schema_editor):
    from salestrack.pipeline.defaults import DEFAULT_PIPELINE, DEFAULT_STAGES

    Pipeline = apps.get_model("pipeline", "Pipeline")
    Stage = apps.get_model("pipeline", "Stage")
    StageRequirement = apps.get_model("pipeline", "StageRequirement")
    if Pipeline.objects.exists():
        return
    pipeline = Pipeline.objects.create(
        name=DEFAULT_PIPELINE[0], name_en=DEFAULT_PIPELINE[1], is_default=True
    )
    for position, (name, name_en, kind, prob, rot, color, reqs) in enumerate(DEFAULT_STAGES):
        stage = Stage.objects.create(
            pipeline=pipeline, name=name, name_en=name_en, kind=kind, position=position,
            probability=prob, rot_days=rot, color=color,
        )
        for field in reqs:
            StageRequirement.objects.create(stage=stage, field=field)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0001_initial")]
    operations = [migrations.RunPython(create_default_pipeline, migrations.RunPython.noop)]
