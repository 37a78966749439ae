from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestrack.activities.models import FollowUp
from salestrack.core.models import TimeStampedModel
from salestrack.customers.models import Customer


class FollowUpRule(TimeStampedModel):
    """Plans the next follow-up by itself: after follow-ups of some kinds, or every N days, for
    customers of some tiers (cadence.services.rules_apply_after_followup / touch_rules_run)."""

    class Trigger(models.TextChoices):
        AFTER_FOLLOWUP = "after_followup", _("After a follow-up of these kinds")
        EVERY_DAYS = "every_days", _("Touch every N days")

    class DueUnit(models.TextChoices):
        HOURS = "hours", _("hours")
        DAYS = "days", _("days")

    name = models.CharField(_("name"), max_length=120)
    trigger = models.CharField(_("when"), max_length=20, choices=Trigger.choices)
    # FollowUp.Kind values (after_followup); a list, few rules: matched in Python.
    after_kinds = models.JSONField(_("after follow-ups of kind"), default=list, blank=True)
    every_days = models.PositiveSmallIntegerField(_("every N days"), null=True, blank=True)
    # Customer.Tier values the rule applies to.
    tiers = models.JSONField(_("customer tiers"), default=list)
    followup_kind = models.CharField(
        _("follow-up to plan"), max_length=10, choices=FollowUp.Kind.choices
    )
    next_step = models.CharField(_("next step"), max_length=300)
    due_within = models.PositiveSmallIntegerField(_("due within"))
    due_unit = models.CharField(
        _("unit"), max_length=10, choices=DueUnit.choices, default=DueUnit.HOURS
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")
        ordering = ["trigger", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def window(self) -> timedelta:
        unit = "hours" if self.due_unit == self.DueUnit.HOURS else "days"
        return timedelta(**{unit: self.due_within})

    def due_on(self, now: datetime):
        """The due date of a follow-up planned at `now`: the local day `due_within` later."""
        return timezone.localdate(now + self.window)

    def after_kind_labels(self) -> list[str]:
        labels = dict(FollowUp.Kind.choices)
        return [str(labels.get(kind, kind)) for kind in self.after_kinds]

    def applies_to(self, *, tier: str, kind: str | None = None) -> bool:
        if not self.is_active or tier not in self.tiers:
            return False
        if self.trigger == self.Trigger.AFTER_FOLLOWUP:
            return kind in self.after_kinds
        return kind is None


class PlannedFollowUp(models.Model):
    """A follow-up planned by this app, and why: a rule, or a decision maker who left (then
    `contact` and `deal` are set). Keeps the planning idempotent."""

    followup = models.OneToOneField(
        FollowUp, verbose_name=_("follow-up"), on_delete=models.CASCADE, related_name="planned_by"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    rule = models.ForeignKey(
        FollowUpRule,
        verbose_name=_("rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("planned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("planned follow-up")
        verbose_name_plural = _("planned follow-ups")
        constraints = [
            # relationship_risk_raise: one rebuild task per deal and departed decision maker
            models.UniqueConstraint(
                fields=["contact", "deal"],
                condition=models.Q(contact__isnull=False),
                name="planned_one_per_contact_deal",
            ),
        ]
        indexes = [
            # rules_apply_after_followup: a rule's pending follow-ups on a customer
            models.Index(fields=["rule", "customer"], name="planned_rule_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.followup_id} ({self.rule_id or self.contact_id})"
