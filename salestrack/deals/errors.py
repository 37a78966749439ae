from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from salestrack.core.exceptions import ApplicationError, ConflictError
from salestrack.deals.models import Deal


class StageGateError(ApplicationError):
    """The move needs facts that are not recorded yet; `missing` lists the deal field names."""

    def __init__(self, missing: list[str]):
        separator = pgettext("list separator", ", ")
        labels = separator.join(str(Deal._meta.get_field(name).verbose_name) for name in missing)
        super().__init__(_("Record these first: %(facts)s") % {"facts": labels})
        self.missing = missing
        self.extra = {"missing": missing}


def deal_conflict() -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed this deal after you opened it. "
            "Reload to see their changes; nothing of yours was saved."
        )
    )
