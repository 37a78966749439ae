from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestrack.core.models import OwnedModel


class FollowUp(OwnedModel):
    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        DEMO = "demo", _("Demo")
        EMAIL = "email", _("E-mail")
        CHAT = "chat", _("Chat")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="followups",
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followups",
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.CALL)
    occurred_at = models.DateTimeField(_("time"))
    customer_words = models.TextField(
        _("customer's own words"),
        blank=True,
        help_text=_("What the customer actually said, as close to verbatim as you can."),
    )
    summary = models.TextField(_("our summary"))
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_due_on = models.DateField(_("next follow-up due"), null=True, blank=True)
    resources_needed = models.CharField(_("resources needed"), max_length=300, blank=True)
    # Set when the next follow-up it asked for has happened (or the user marks it done).
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    # A task the system planned (follow-up rules, a decision maker who left), not a contact that
    # took place: it counts in no "follow-ups made" figure and is not "handled today".
    planned = models.BooleanField(_("planned by a rule"), default=False, editable=False)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # followup_list_due: a user's pending follow-ups by due date
            models.Index(
                fields=["owner", "next_due_on"],
                name="followup_pending_due",
                condition=models.Q(done_at__isnull=True, next_due_on__isnull=False),
            ),
            # customer timeline and deal timeline
            models.Index(fields=["customer", "-occurred_at"], name="followup_customer"),
            models.Index(fields=["deal", "-occurred_at"], name="followup_deal"),
            # goals: follow-ups made in a period
            models.Index(fields=["occurred_at"], name="followup_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.occurred_at):%Y-%m-%d}"
