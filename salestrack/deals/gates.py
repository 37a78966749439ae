"""Exit criteria: which deal facts must be recorded before a deal may move to a given stage."""

from salestrack.deals.models import Deal
from salestrack.pipeline.models import Stage, StageRequirement

LOST_REASON = "lost_reason"
GATE_FIELDS = [choice.value for choice in StageRequirement.Field]


def is_recorded(deal: Deal, field: str) -> bool:
    value = getattr(deal, f"{field}_id" if field == "decision_maker" else field)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def stages_left_by_move(stages: list[Stage], current: Stage, target: Stage) -> list[Stage]:
    """Open stages a deal passes when it moves forward from `current` to `target`.

    Moving backwards or to a lost stage leaves nothing behind that needs proving; moving forward
    (skips included) or to won must satisfy every open stage between.
    """
    if target.kind == Stage.Kind.LOST or not current.is_open:
        return []
    if target.kind == Stage.Kind.WON:
        return [s for s in stages if s.is_open and s.position >= current.position]
    if target.position <= current.position:
        return []
    return [s for s in stages if s.is_open and current.position <= s.position < target.position]


def missing_facts(deal: Deal, target: Stage, stages: list[Stage]) -> list[str]:
    """Field names still to be recorded on `deal` before it may enter `target`, in stage order."""
    missing: list[str] = []
    for stage in stages_left_by_move(stages, deal.stage, target):
        for requirement in stage.requirements.all():
            if requirement.field not in missing and not is_recorded(deal, requirement.field):
                missing.append(requirement.field)
    if target.kind == Stage.Kind.LOST and not deal.lost_reason.strip():
        missing.append(LOST_REASON)
    return missing
