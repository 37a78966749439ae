from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salestrack.core.models import TimeStampedModel


class WorkCalendarDay(models.Model):
    """An exception to the Monday–Friday week: a holiday (法定节假日) or a make-up working day
    (调休上班). Every working-day count goes through goals.periods.working_days with these."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Ticked: a make-up working day (e.g. a Saturday). Unticked: a holiday."),
    )
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class Goal(TimeStampedModel):
    """A target on one metric, for one period, for the company, a team or a rep.

    A decomposition (goals.services.goal_plan_save) stores a tree: the period goal at the root,
    its months, weeks and per-rep shares below it (`parent`).
    """

    class PeriodKind(models.TextChoices):
        YEAR = "year", _("Year")
        QUARTER = "quarter", _("Quarter")
        MONTH = "month", _("Month")
        WEEK = "week", _("Week")

    class ScopeKind(models.TextChoices):
        COMPANY = "company", _("Company")
        TEAM = "team", _("Team")
        REP = "rep", _("Rep")

    class Metric(models.TextChoices):
        WON_AMOUNT = "won_amount", _("Won amount")
        WON_COUNT = "won_count", _("Won deals")
        NEW_CUSTOMERS = "new_customers", _("New customers")
        FOLLOWUPS = "followups", _("Follow-ups made")
        PAYMENTS = "payments", _("Payments received")

    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    scope_kind = models.CharField(_("for"), max_length=10, choices=ScopeKind.choices)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    target = models.DecimalField(
        _("target"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["start", "period_kind", "scope_kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="goal_end_gte_start"
            ),
            models.CheckConstraint(condition=Q(target__gte=0), name="goal_target_gte_0"),
            # company: neither team nor rep; team: a team only; rep: a rep only.
            models.CheckConstraint(
                condition=(
                    Q(scope_kind="company", team__isnull=True, user__isnull=True)
                    | Q(scope_kind="team", team__isnull=False, user__isnull=True)
                    | Q(scope_kind="rep", team__isnull=True, user__isnull=False)
                ),
                name="goal_scope_valid",
            ),
            # One goal per metric, period and subject (NULLs are distinct in a plain unique
            # constraint, hence one partial constraint per scope kind).
            models.UniqueConstraint(
                fields=["metric", "period_kind", "start"],
                condition=Q(scope_kind="company"),
                name="goal_unique_company",
            ),
            models.UniqueConstraint(
                fields=["metric", "period_kind", "start", "team"],
                condition=Q(scope_kind="team"),
                name="goal_unique_team",
            ),
            models.UniqueConstraint(
                fields=["metric", "period_kind", "start", "user"],
                condition=Q(scope_kind="rep"),
                name="goal_unique_rep",
            ),
        ]
        indexes = [
            # goal_list_for_user / goal_progress_for_user: goals whose period contains a date
            models.Index(fields=["start", "end"], name="goal_period"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label} · {self.get_metric_display()} · {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("goals:detail", args=[self.pk])

    @property
    def subject_label(self) -> str:
        if self.scope_kind == self.ScopeKind.TEAM:
            return str(self.team)
        if self.scope_kind == self.ScopeKind.REP:
            return str(self.user)
        return str(self.ScopeKind.COMPANY.label)

    @property
    def period_label(self) -> str:
        from salestrack.goals.periods import period_label

        return period_label(self.period_kind, self.start, self.end)

    @property
    def is_money(self) -> bool:
        return self.metric in (self.Metric.WON_AMOUNT, self.Metric.PAYMENTS)
