"""Reads of the win-probability app: the card on the deal page, its JSON twin, and the
administrators' page (current model, accuracy against the stage baseline, trainings, the
spread of today's scores)."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.core.templatetags.money import cny
from salestrack.customers.models import Customer
from salestrack.deals.models import Deal
from salestrack.pipeline.models import Stage
from salestrack.winprob import model as ml
from salestrack.winprob.features import FEATURES, NUMERIC, scoring_table
from salestrack.winprob.models import DealScore, WinModel
from salestrack.winprob.services import winprob_pipeline

# The record field each feature reveals: a reason shows its value only when the role may read it.
FEATURE_FIELDS = {
    "amount": ("deal", "amount"),
    "stage": ("deal", "stage"),
    "source": ("deal", "source"),
    "owner_win_rate": ("deal", "owner"),
    "tier": ("customer", "tier"),
    "industry": ("customer", "industry"),
    "has_decision_maker": ("contact", "decision_role"),
}
FEATURE_LABELS = {
    "days_in_stage": gettext_lazy("Days in the current stage (log)"),
    "deal_age": gettext_lazy("Deal age in days (log)"),
    "amount": gettext_lazy("Amount (log)"),
    "stage_moves": gettext_lazy("Stage moves so far"),
    "backward_moves": gettext_lazy("Moves back to an earlier stage"),
    "followups_30d": gettext_lazy("Follow-ups in the last 30 days"),
    "days_since_activity": gettext_lazy("Days since the last follow-up (log)"),
    "owner_win_rate": gettext_lazy("Owner's past win rate"),
    "has_decision_maker": gettext_lazy("Decision maker among the contacts"),
    "stage": gettext_lazy("Stage"),
    "tier": gettext_lazy("Customer tier"),
    "industry": gettext_lazy("Industry"),
    "source": gettext_lazy("Lead source"),
}
HISTORY_ROWS = 20
DISTRIBUTION_BINS = 10


def winprob_latest() -> WinModel | None:
    return WinModel.objects.order_by("-trained_at", "-id").defer("pipeline").first()


def too_little_message(win_model: WinModel) -> str:
    """Why there is no model, plainly (the counts as of that training)."""
    if win_model.closed_deals < win_model.min_closed:
        return _(
            "At least %(min)s won or lost deals with stage history are needed to learn from; "
            "there are %(count)s so far."
        ) % {"min": win_model.min_closed, "count": win_model.closed_deals}
    if win_model.details.get("reason") == "one_outcome_in_a_part":
        return _(
            "The earlier and the most recent closed deals must each include won and lost ones "
            "to measure the model; one of them has only one outcome so far."
        )
    return _(
        "At least %(min)s won and %(min)s lost deals are needed to learn from; there are "
        "%(won)s won and %(lost)s lost so far."
    ) % {"min": win_model.min_per_class, "won": win_model.won_deals, "lost": win_model.lost_deals}


def _value_text(feature: str, value, stages: dict[int, Stage]) -> str:
    if feature == "days_in_stage":
        n = round(value)
        return ngettext("%(n)s day in this stage", "%(n)s days in this stage", n) % {"n": n}
    if feature == "deal_age":
        n = round(value)
        return ngettext("opened %(n)s day ago", "opened %(n)s days ago", n) % {"n": n}
    if feature == "amount":
        return _("amount %(amount)s") % {"amount": cny(value)}
    if feature == "stage_moves":
        return ngettext("%(n)s stage move so far", "%(n)s stage moves so far", value) % {"n": value}
    if feature == "backward_moves":
        return ngettext(
            "%(n)s move back to an earlier stage", "%(n)s moves back to earlier stages", value
        ) % {"n": value}
    if feature == "followups_30d":
        return ngettext(
            "%(n)s follow-up in the last 30 days", "%(n)s follow-ups in the last 30 days", value
        ) % {"n": value}
    if feature == "days_since_activity":
        n = round(value)
        return ngettext(
            "%(n)s day since the last follow-up", "%(n)s days since the last follow-up", n
        ) % {"n": n}
    if feature == "owner_win_rate":
        return _("owner's past win rate %(rate)s%%") % {"rate": round(value * 100)}
    if feature == "has_decision_maker":
        return (
            _("a decision maker among the contacts")
            if value
            else _("no decision maker among the contacts")
        )
    if feature == "stage":
        stage = stages.get(int(value))
        return _("in stage %(stage)s") % {"stage": stage.label if stage else "—"}
    if feature == "tier":
        return _("customer tier %(tier)s") % {"tier": value} if value else _("no customer tier")
    if feature == "industry":
        return _("industry %(industry)s") % {"industry": value} if value else _("industry not set")
    if feature == "source":
        label = dict(Customer.Source.choices).get(value)
        return _("lead source %(source)s") % {"source": label} if label else _("no lead source")
    raise ValueError(feature)


def _withheld_text(feature: str) -> str:
    """The reason without its value, for a role that may not read the field behind it."""
    return {
        "amount": _("the amount"),
        "stage": _("the stage"),
        "source": _("the lead source"),
        "owner_win_rate": _("the owner's past win rate"),
        "tier": _("the customer tier"),
        "industry": _("the industry"),
        "has_decision_maker": _("the decision makers among the contacts"),
    }[feature]


@dataclass
class Reason:
    feature: str
    sign: str  # "+" raises the probability, "−" lowers it
    text: str
    effect: float  # on the log-odds

    def as_dict(self) -> dict:
        return {
            "feature": self.feature,
            "sign": self.sign,
            "text": self.text,
            "effect": self.effect,
        }


def reasons_for(*, user: User, reasons: list[dict]) -> list[Reason]:
    perms = permissions_for(user)
    stage_ids = [int(r["value"]) for r in reasons if r["feature"] == "stage"]
    stages = {s.pk: s for s in Stage.objects.filter(pk__in=stage_ids)} if stage_ids else {}
    out = []
    for r in reasons:
        if r["feature"] not in FEATURES:
            continue
        guarded = FEATURE_FIELDS.get(r["feature"])
        text = (
            _withheld_text(r["feature"])
            if guarded and not perms.visible(*guarded)
            else _value_text(r["feature"], r["value"], stages)
        )
        out.append(Reason(r["feature"], "+" if r["effect"] > 0 else "−", text, r["effect"]))
    return out


@dataclass
class DealWinCard:
    """What the deal page's card shows. `state`: "ok" (a probability), "closed" (a won or lost
    deal: no card), "hidden" (the role may not read the deal's probability: no card),
    "no_model", "too_little_history", "unscored" (no current stay in the stage history)."""

    state: str
    win_model: WinModel | None = None
    message: str = ""
    probability: float | None = None  # 0..1
    stage_probability: int | None = None  # %
    reasons: list[Reason] = field(default_factory=list)
    scored_at: object = None
    live: bool = False  # computed now: the stored score predates the deal's last change

    @property
    def percent(self) -> int | None:
        return None if self.probability is None else round(self.probability * 100)

    def as_dict(self) -> dict:
        m = self.win_model
        return {
            "status": self.state,
            "message": self.message,
            "probability": None if self.probability is None else round(self.probability, 4),
            "stage_probability": self.stage_probability,
            "reasons": [r.as_dict() for r in self.reasons],
            "scored_at": self.scored_at.isoformat() if self.scored_at else None,
            "model": None
            if m is None or not m.is_ok
            else {
                "id": m.pk,
                "trained_at": m.trained_at.isoformat(),
                "auc": round(m.auc, 4),
                "baseline_auc": round(m.baseline_auc, 4),
                "n_train": m.n_train,
                "n_holdout": m.n_holdout,
            },
        }


def _stale(score: DealScore, deal: Deal) -> bool:
    changed = [deal.updated_at, deal.stage_entered_at, deal.last_activity_at]
    return any(at is not None and at > score.scored_at for at in changed)


def deal_win_card(*, user: User, deal: Deal) -> DealWinCard:
    """The card of a deal the caller already loaded within the user's scope (the deal page,
    deals.selectors.deal_get_for_user). The stored score, or one computed now when the deal
    changed since it was stored (not written: a read)."""
    if deal.status != Deal.Status.OPEN:
        return DealWinCard(state="closed")
    if not permissions_for(user).visible("deal", "probability"):
        return DealWinCard(state="hidden")
    latest = winprob_latest()
    if latest is None:
        return DealWinCard(state="no_model")
    if not latest.is_ok:
        return DealWinCard(
            state="too_little_history", win_model=latest, message=too_little_message(latest)
        )
    score = DealScore.objects.filter(deal=deal, model=latest).first()
    if score is not None and not _stale(score, deal):
        return DealWinCard(
            state="ok",
            win_model=latest,
            probability=score.probability,
            stage_probability=score.stage_probability,
            reasons=reasons_for(user=user, reasons=score.reasons),
            scored_at=score.scored_at,
        )
    now = timezone.now()
    table = scoring_table(now=now, deal_ids=[deal.pk])
    if not len(table):
        return DealWinCard(state="unscored", win_model=latest)
    probability, reasons = ml.predict(winprob_pipeline(win_model=latest), latest.details, table)
    return DealWinCard(
        state="ok",
        win_model=latest,
        probability=float(probability[0]),
        stage_probability=table.stage_probability[0],
        reasons=reasons_for(user=user, reasons=reasons[0]),
        scored_at=now,
        live=True,
    )


@dataclass
class Overview:
    latest: WinModel | None
    message: str
    trainings: list[WinModel]
    distribution: list[dict]
    scored: int
    weights: list[dict]
    min_closed: int
    min_per_class: int
    train_at: str


def _distribution() -> tuple[list[dict], int]:
    """Open deals per tenth of probability, in one query."""
    step = 1 / DISTRIBUTION_BINS
    bins = {
        f"b{i}": Count(
            "deal_id",
            filter=Q(probability__gte=i * step)
            & (Q(probability__lt=(i + 1) * step) if i < DISTRIBUTION_BINS - 1 else Q()),
        )
        for i in range(DISTRIBUTION_BINS)
    }
    counts = DealScore.objects.aggregate(**bins)
    total = sum(counts.values())
    peak = max(counts.values()) or 1
    return [
        {
            "low": i * 10,
            "high": (i + 1) * 10,
            "count": counts[f"b{i}"],
            "width": round(counts[f"b{i}"] * 100 / peak),
        }
        for i in range(DISTRIBUTION_BINS)
    ], total


def _weights(win_model: WinModel) -> list[dict]:
    """Numeric features' coefficients (per standard deviation), strongest first: what the
    model learned, for the administrators' page."""
    details = win_model.details
    rows = [
        {"feature": group, "label": FEATURE_LABELS[group], "coef": round(coef, 3)}
        for group, coef in zip(details.get("groups", []), details.get("coef", []), strict=False)
        if group in NUMERIC
    ]
    return sorted(rows, key=lambda r: -abs(r["coef"]))


def winprob_overview() -> Overview:
    latest = winprob_latest()
    trainings = list(
        WinModel.objects.order_by("-trained_at", "-id")
        .defer("pipeline")
        .select_related("started_by")[:HISTORY_ROWS]
    )
    distribution, scored = _distribution()
    return Overview(
        latest=latest,
        message=too_little_message(latest) if latest is not None and not latest.is_ok else "",
        trainings=trainings,
        distribution=distribution,
        scored=scored,
        weights=_weights(latest) if latest is not None and latest.is_ok else [],
        min_closed=settings.SALESTRACK_WINPROB_MIN_CLOSED,
        min_per_class=settings.SALESTRACK_WINPROB_MIN_PER_CLASS,
        train_at=settings.SALESTRACK_WINPROB_TRAIN_AT,
    )


def winprob_closed_deals() -> int:
    """Live won or lost deals (the size of a training, roughly)."""
    return Deal.objects.filter(status__in=[Deal.Status.WON, Deal.Status.LOST]).count()
