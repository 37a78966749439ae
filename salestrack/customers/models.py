from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salestrack.core.models import OwnedModel, SoftDeleteModel, TimeStampedModel


class Customer(SoftDeleteModel, OwnedModel):
    class Tier(models.TextChoices):
        A = "A", _("A - key")
        B = "B", _("B - normal")
        C = "C", _("C - low")

    class TierSource(models.TextChoices):
        AUTO = "auto", _("Rules")
        MANUAL = "manual", _("Manual override")

    class Size(models.TextChoices):
        MICRO = "micro", _("1-20 staff")
        SMALL = "small", _("21-100 staff")
        MEDIUM = "medium", _("101-500 staff")
        LARGE = "large", _("501-2000 staff")
        ENTERPRISE = "enterprise", _("2000+ staff")

    class Source(models.TextChoices):
        ONLINE_AD = "online_ad", _("Online ads")
        REFERRAL = "referral", _("Referral")
        TRADE_SHOW = "trade_show", _("Trade show")
        COLD_CALL = "cold_call", _("Cold call")
        WEBSITE = "website", _("Website")
        PARTNER = "partner", _("Partner")
        OTHER = "other", _("Other")

    name = models.CharField(_("company name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True)
    size = models.CharField(_("size"), max_length=20, choices=Size.choices, blank=True)
    source = models.CharField(
        _("source channel"), max_length=20, choices=Source.choices, blank=True
    )
    budget = models.DecimalField(
        _("budget (CNY)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    pain_points = models.TextField(_("pain points"), blank=True)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.B)
    last_activity_at = models.DateTimeField(
        _("last activity"), null=True, blank=True, editable=False
    )
    # What customer search matches, lower-case: the name with its pinyin initials and full
    # pinyin, then every contact's name keys, phone and e-mail (customers.services keeps it).
    search_key = models.TextField(blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    # How `tier` was set (salestrack.tiers): computed by the rules, or chosen by a person with a
    # reason; a manual tier stays until it is cleared.
    tier_source = models.CharField(
        _("tier set by"), max_length=10, choices=TierSource.choices, default=TierSource.AUTO
    )
    tier_reason = models.CharField(_("reason for the tier"), max_length=300, blank=True)
    # Public pool (salestrack.pool): set while the customer waits in the pool to be claimed;
    # `owner` is then the previous owner, kept for the history.
    in_pool_since = models.DateTimeField(
        _("in the public pool since"), null=True, blank=True, editable=False
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # When the current owner claimed the customer from the pool: their follow-up clock starts
    # here rather than at the previous owner's last activity.
    pool_claimed_at = models.DateTimeField(
        _("claimed from the pool at"), null=True, blank=True, editable=False
    )

    # Data hygiene (salestrack.hygiene): set while the customer is archived (no interaction for
    # months; reversible), which keeps it out of the default lists; and, on a customer merged
    # away into another (then in the trash), the one that survived.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # customer_list default ordering and the owner filter
            models.Index(fields=["owner", "-updated_at"], name="cust_owner_updated"),
            # customer_list ordering for admins (all records)
            models.Index(fields=["-updated_at"], name="cust_updated"),
            # customer_list for managers (team subtree)
            models.Index(fields=["team", "-updated_at"], name="cust_team_updated"),
            # goals: new customers of a period
            models.Index(fields=["created_at"], name="cust_created"),
            # pool_list: the public pool, longest waiting first
            models.Index(
                fields=["in_pool_since"],
                name="cust_in_pool",
                condition=models.Q(in_pool_since__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])


class Contact(SoftDeleteModel, TimeStampedModel):
    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")
        GATEKEEPER = "gatekeeper", _("Gatekeeper")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("full name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat id"), max_length=60, blank=True)
    decision_role = models.CharField(
        _("role in decision"), max_length=20, choices=Role.choices, blank=True
    )
    preferences = models.TextField(_("notes on preferences"), blank=True)
    # Set when the contact is known to have left the company; a decision maker who leaves raises
    # a relationship risk on the customer's open deals (customers.signals.decision_maker_left).
    left_company_on = models.DateField(_("left the company on"), null=True, blank=True)
    search_key = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["id"]
        indexes = [
            # customer_search: phone lookups
            models.Index(fields=["phone"], name="contact_phone"),
        ]

    def __str__(self) -> str:
        return self.name
