"""Deal.reached_stage recomputed from the stage history, for one pipeline (one statement).

The same definition as deals.services.reached_stage_after and migration 0008: of the won / open
stages in a deal's stage history and its current stage, the one with the highest position (ties:
the higher id). Needed when the stages' order changes, since "highest" then means another stage.
"""

from django.db import connection

REFRESH_PIPELINE = """
WITH visited AS (
    SELECT d.id AS deal_id, d.stage_id FROM deals_deal d WHERE d.pipeline_id = %(pipeline)s
    UNION ALL
    SELECT c.deal_id, c.to_stage_id FROM deals_stagechange c
    JOIN deals_deal d ON d.id = c.deal_id WHERE d.pipeline_id = %(pipeline)s
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


def reached_stage_refresh(*, pipeline_id: int) -> int:
    """Recompute the furthest stage reached of every deal (trashed ones too) of the pipeline."""
    with connection.cursor() as cursor:
        cursor.execute(REFRESH_PIPELINE, {"pipeline": pipeline_id})
        return cursor.rowcount


def on_stage_order_changed(sender, *, pipeline_id: int, **kwargs) -> None:
    reached_stage_refresh(pipeline_id=pipeline_id)
