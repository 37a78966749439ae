from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salestrack.customers.models import Customer


class PoolEvent(models.Model):
    """One move of a customer into or out of the public pool (append-only).

    The claim limit and the cooling period are counted from these rows; the customer's
    history (audit trail) records the same moves for people.
    """

    class Kind(models.TextChoices):
        RELEASED = "released", _("Released by its owner")
        EXPIRED = "expired", _("No follow-up in time")
        CLAIMED = "claimed", _("Claimed")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # who released or claimed it; empty for the daily move of customers nobody followed up
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        indexes = [
            # pool_claims_used: a user's claims within the claim window
            models.Index(fields=["user", "kind", "at"], name="poolevent_user_kind_at"),
            # pool_claim cooling period: a customer's recent releases
            models.Index(fields=["customer", "kind", "at"], name="poolevent_cust_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.at:%Y-%m-%d}"
