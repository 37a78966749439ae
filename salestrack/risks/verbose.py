from django.utils.translation import gettext_lazy as _

# Column headings shared by the review page and its Excel export.
REVIEW_LABELS = {
    "title": _("Deal"),
    "customer": _("Customer"),
    "team": _("Team"),
    "owner": _("Owner"),
    "stage": _("Stage"),
    "amount": _("Amount"),
    "days_in_stage": _("Days in stage"),
    "last_followup": _("Last follow-up"),
    "next_step": _("Next step"),
    "reasons": _("Risk reasons"),
    "decision": _("Decision"),
    "note": _("Note"),
}
