"""A deals file that names another stage for an existing deal moves it, as the board would.

Planning refuses a move into a stage of another pipeline and a move whose exit criteria are
not met (with the row's own values applied: a row may bring the expected close date that the
stage asks for). Writing sets the deal's stage fields and its stage history (the open entry is
closed, a new one opened), and keeps in the batch's undo what an undo needs to put the history
back. Moves made by an import send no notifications: a re-imported ledger may move hundreds
of deals at once, and the import's own audit entry names them.
"""

import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from salestrack.deals.gates import LOST_REASON, missing_facts
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.services import STATUS_BY_KIND, reached_stage_after
from salestrack.deals.stalls import stalls_at_for
from salestrack.imports.fastinsert import insert_rows
from salestrack.pipeline.models import Stage, StageRequirement

if TYPE_CHECKING:
    from salestrack.imports.engine import Importer
    from salestrack.imports.plans import RowPlan


def plan_stage_move(importer: "Importer", plan: "RowPlan", pk: int, data: dict) -> None:
    """Add the row's stage to a deal update when it differs from the deal's (or refuse it)."""
    stage: Stage | None = plan.values.get("stage")
    lookups = importer.lookups
    current = lookups.deal_stages.get(pk)
    if stage is None or current is None or stage.pk == current:
        return
    if "stage" not in importer.perms.editable("deal", ["stage"]):
        return
    if current not in lookups.stage_by_id:
        plan.errors.append(
            (
                importer.header_of("stage"),
                _("this deal is in another pipeline: choose that pipeline to change its stage"),
            )
        )
        return
    data["stage"] = stage


def check_stage_moves(importer: "Importer", plans: list["RowPlan"]) -> None:
    """Refuse the moves of a chunk whose exit criteria are not met (one query per chunk)."""
    moves = {
        p.deal_update[0]: p
        for p in plans
        if p.action == "update" and p.deal_update and "stage" in p.deal_update[1]
    }
    if not moves:
        return
    stages = importer.lookups.gated_stages()
    for deal in Deal.objects.select_related("stage").filter(pk__in=list(moves)):
        plan = moves[deal.pk]
        data = plan.deal_update[1]
        for name, value in data.items():
            if name not in ("stage", "owner"):
                setattr(deal, name, value)  # the row's values count (never saved here)
        missing = missing_facts(deal, data["stage"], stages)
        if missing:
            plan.errors.append(
                (
                    importer.header_of("stage"),
                    _("%(stage)s needs these recorded first: %(facts)s")
                    % {"stage": data["stage"].label, "facts": _fact_labels(missing)},
                )
            )
            plan.action = "error"
            plan.deal_update = None


def _fact_labels(names: list[str]) -> str:
    labels = dict(StageRequirement.Field.choices)
    labels[LOST_REASON] = _("Lost reason")
    return ", ".join(str(labels.get(name, name)) for name in names)


def stage_move_values(
    deal: Deal, stage: Stage, stage_by_id: dict[int, Stage], now: datetime.datetime
) -> dict[str, Any]:
    """The deal's fields after entering `stage` now (as deals.services.deal_move_stage sets)."""
    reached = stage_by_id.get(deal.reached_stage_id) if deal.reached_stage_id else None
    return {
        "stage_id": stage.pk,
        "reached_stage_id": getattr(reached_stage_after(reached=reached, stage=stage), "pk", None),
        "status": STATUS_BY_KIND[stage.kind],
        "stage_entered_at": now,
        "stalls_at": stalls_at_for(stage=stage, entered_at=now),
        "closed_at": None if stage.is_open else now,
    }


def record_stage_moves(
    importer: "Importer", moves: list[tuple[int, int, Stage]], now: datetime.datetime
) -> None:
    """Stage history of the moved deals: (deal id, stage left, stage entered)."""
    if not moves:
        return
    ids = [pk for pk, _from, _to in moves]
    closed = list(StageChange.objects.filter(deal_id__in=ids, left_at__isnull=True))
    for row in closed:
        row.left_at = now
        row.duration_seconds = int((now - row.entered_at).total_seconds())
    StageChange.objects.bulk_update(closed, ["left_at", "duration_seconds"], batch_size=500)
    kinds = dict(
        Stage.objects.filter(pk__in={f for _pk, f, _to in moves}).values_list("pk", "kind")
    )
    opened = insert_rows(
        StageChange,
        [
            {
                "deal_id": pk,
                "from_stage_id": from_id,
                "from_kind": kinds.get(from_id, ""),
                "to_stage_id": stage.pk,
                "to_kind": stage.kind,
                "entered_at": now,
                "actor_id": importer.actor.pk,
            }
            for pk, from_id, stage in moves
        ],
        now=now,
    )
    history = importer.undo.setdefault("stage_history", {"opened": [], "closed": []})
    history["opened"].extend(opened)
    history["closed"].extend(row.pk for row in closed)


def undo_stage_moves(undo: dict) -> None:
    """Put the stage history back: the import's entries removed, the ones it closed reopened."""
    history = undo.get("stage_history") or {}
    opened, closed = history.get("opened", []), history.get("closed", [])
    for start in range(0, len(opened), 500):
        StageChange.objects.filter(pk__in=opened[start : start + 500]).delete()
    for start in range(0, len(closed), 500):
        StageChange.objects.filter(pk__in=closed[start : start + 500]).update(
            left_at=None, duration_seconds=None
        )
