import django.db.models.deletion
from django.db import migrations, models

# Deal.reached_stage for every deal (trashed ones too): of the won / open stages in its stage
# history and its current stage, the one with the highest position (ties: the higher id).
# One statement for the whole table (a window over the history), not a loop per deal.
FILL_REACHED_STAGE = """
WITH visited AS (
    SELECT id AS deal_id, stage_id FROM deals_deal
    UNION ALL
    SELECT deal_id, to_stage_id FROM deals_stagechange
),
ranked AS (
    SELECT v.deal_id, s.id AS stage_id,
           ROW_NUMBER() OVER (
               PARTITION BY v.deal_id ORDER BY s.position DESC, s.id DESC
           ) AS rn
    FROM visited v JOIN pipeline_stage s ON s.id = v.stage_id
    WHERE s.kind <> 'lost'
)
UPDATE deals_deal SET reached_stage_id = ranked.stage_id
FROM ranked
WHERE ranked.deal_id = deals_deal.id AND ranked.rn = 1
"""


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0007_period_indexes"),
        ("pipeline", "0004_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="reached_stage",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="pipeline.stage",
                verbose_name="furthest stage reached",
            ),
        ),
        migrations.RunSQL(FILL_REACHED_STAGE, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["pipeline", "created_at", "reached_stage", "status", "amount", "source"],
                name="deal_funnel_cohort",
            ),
        ),
    ]
