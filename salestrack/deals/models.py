from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestrack.core.models import OwnedModel, SoftDeleteModel, TimeStampedModel
from salestrack.customers.models import Customer
from salestrack.pipeline.models import PROBABILITY_CHOICES, Stage

MONEY = {"max_digits": 16, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(0)]


class Product(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    series = models.CharField(_("series / category"), max_length=80, blank=True)
    list_price = models.DecimalField(_("list price (CNY)"), validators=NON_NEGATIVE, **MONEY)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["series", "name"]

    def __str__(self) -> str:
        return f"{self.series} · {self.name}" if self.series else self.name


class Deal(SoftDeleteModel, OwnedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    title = models.CharField(_("deal name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    pipeline = models.ForeignKey(
        "pipeline.Pipeline",
        verbose_name=_("pipeline"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, editable=False
    )
    amount = models.DecimalField(_("amount (CNY)"), default=0, validators=NON_NEGATIVE, **MONEY)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("win probability"),
        choices=PROBABILITY_CHOICES,
        null=True,
        blank=True,
        help_text=_("Leave empty to use the stage's default."),
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collaborators"),
        blank=True,
        related_name="collaborating_deals",
    )
    source = models.CharField(
        _("lead source"), max_length=20, choices=Customer.Source.choices, blank=True
    )
    competitor = models.CharField(_("competitor"), max_length=120, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=300, blank=True)

    # Facts that stage exit criteria may require (pipeline.StageRequirement.Field).
    confirmed_requirements = models.TextField(_("customer-confirmed requirements"), blank=True)
    quote_amount = models.DecimalField(
        _("quote amount (CNY)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )
    decision_maker = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("decision maker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    budget_confirmed = models.DecimalField(
        _("confirmed budget (CNY)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    contract_signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    payment_received = models.DecimalField(
        _("payment received (CNY)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )

    stage_entered_at = models.DateTimeField(_("in stage since"), editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    last_activity_at = models.DateTimeField(
        _("last activity"), null=True, blank=True, editable=False
    )
    next_due_on = models.DateField(_("next follow-up due"), null=True, blank=True, editable=False)
    # stage_entered_at + the stage's rot_days; NULL when closed. Why stored: deals.stalls.
    stalls_at = models.DateTimeField(_("stalled from"), null=True, blank=True, editable=False)
    # The funnel's "furthest stage reached": of the won / open stages the deal has been in
    # (history and current stage), the one furthest along; a move backwards keeps it, lost
    # stages never count. Set by the services that set the stage (deals.services
    # reached_stage_after). Why stored: analytics.selectors.funnel groups by it instead of
    # scanning every deal's stage history.
    reached_stage = models.ForeignKey(
        Stage,
        verbose_name=_("furthest stage reached"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        db_index=False,  # only read through deal_funnel_cohort; a stage delete scans once
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            # deal_board_cards / deal_board_columns for admins (whole pipeline)
            models.Index(fields=["stage", "stage_entered_at"], name="deal_stage_entered"),
            # goals: won amount / won deals of a period (status = won AND closed_at in range)
            models.Index(fields=["status", "closed_at"], name="deal_status_closed"),
            # deal_board_cards for reps (own deals)
            models.Index(fields=["owner", "stage", "stage_entered_at"], name="deal_owner_stage"),
            # deal_board_cards for managers (team subtree)
            models.Index(fields=["team", "stage", "stage_entered_at"], name="deal_team_stage"),
            # deal_board_totals: count and sum per stage of live deals read from the index alone
            # (partial, so the trash filter of Deal.objects needs no table lookup)
            models.Index(
                fields=["pipeline", "stage", "amount"],
                name="deal_board_totals_alive",
                condition=models.Q(deleted_at__isnull=True),
            ),
            # trash_page and trash_purge: trashed deals by deletion time
            models.Index(
                fields=["deleted_at"],
                name="deal_trashed",
                condition=models.Q(deleted_at__isnull=False),
            ),
            # deals.stalls.stalled_in_stage_condition (risks stalled list, review, badge counts)
            models.Index(
                fields=["stalls_at"],
                name="deal_stalls_at",
                condition=models.Q(stalls_at__isnull=False, deleted_at__isnull=True),
            ),
            # risks.selectors.stalled_deals: count and page of stalled open deals read from the
            # index alone (in stage-entry order, both stall conditions on its columns)
            models.Index(
                fields=["stage_entered_at", "stalls_at", "last_activity_at", "created_at"],
                name="deal_open_stall_scan",
                condition=models.Q(status="open", deleted_at__isnull=True),
            ),
            # analytics funnel and lead sources (analytics.selectors analytics_funnel,
            # analytics_sources): live deals of a pipeline created in the cohorts' range, grouped
            # by the stage reached or the source, read from the index alone
            models.Index(
                fields=["pipeline", "created_at", "reached_stage", "status", "amount", "source"],
                name="deal_funnel_cohort",
                condition=models.Q(deleted_at__isnull=True),
            ),
            # deal_list default ordering
            models.Index(fields=["-updated_at", "-id"], name="deal_updated"),
            models.Index(fields=["owner", "-updated_at", "-id"], name="deal_owner_updated"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="deal_amount_gte_0")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deals:detail", args=[self.pk])

    @property
    def effective_probability(self) -> int:
        return self.probability if self.probability is not None else self.stage.probability

    @property
    def is_follow_up_overdue(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.next_due_on is not None
            and self.next_due_on < timezone.localdate()
        )


class DealLine(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0.01)]
    )
    unit_price = models.DecimalField(_("unit price (CNY)"), validators=NON_NEGATIVE, **MONEY)
    discount = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    total = models.DecimalField(_("line total"), editable=False, **MONEY)

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["id"]


class StageChange(models.Model):
    """One stay of a deal in a stage: appended on every move (backwards, won and lost included)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    from_kind = models.CharField(max_length=10, choices=Stage.Kind.choices, blank=True)
    to_kind = models.CharField(max_length=10, choices=Stage.Kind.choices)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["entered_at", "id"]
        indexes = [
            # deal_stage_history / deal_stage_progress
            models.Index(fields=["deal", "entered_at"], name="stagechange_deal"),
        ]
