from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salestrack.customers.models import Customer
from salestrack.tiers.rules import reason_text


class TierProposal(models.Model):
    """A suggested tier change with its reasons, for the owner or a manager to accept or dismiss.

    Made by services.tier_proposals_generate (daily job / `tiers_refresh`); at most one open
    proposal per customer.
    """

    class Kind(models.TextChoices):
        UPGRADE = "upgrade", _("Upgrade")
        DOWNGRADE = "downgrade", _("Downgrade")

    class Decision(models.TextChoices):
        OPEN = "", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="tier_proposals",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_tier = models.CharField(_("from tier"), max_length=1, choices=Customer.Tier.choices)
    to_tier = models.CharField(_("to tier"), max_length=1, choices=Customer.Tier.choices)
    # [{"code": ..., "params": {...}}]: rendered in the reader's language by rules.reason_text
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, blank=True, default=""
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tier proposal")
        verbose_name_plural = _("tier proposals")
        constraints = [
            # tier_proposals_generate is idempotent: one open proposal per customer; also the
            # index behind tier_proposal_list and the customer card's open proposal.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(decision=""),
                name="one_open_tier_proposal",
            )
        ]
        indexes = [
            # tier_proposals_generate: dismissed proposals of a customer (snooze)
            models.Index(fields=["customer", "decision", "decided_at"], name="tierprop_decided"),
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.from_tier} → {self.to_tier}"

    @property
    def reason_texts(self) -> list[str]:
        return [reason_text(r.get("code", ""), r.get("params", {})) for r in self.reasons]
