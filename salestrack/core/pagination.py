from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def paginate_by_ids(qs: QuerySet, number: str | int | None, per_page: int) -> Page:
    """Paginate over ids first, then load the page's rows with their joins.

    A deep OFFSET then walks only the ordering index, instead of joining every skipped row.
    """
    ids = qs.values_list("pk", flat=True)
    page = Paginator(ids, per_page).get_page(number)
    page_ids = list(page.object_list)
    rows_qs = qs.model.objects.filter(pk__in=page_ids).select_related(*_related(qs))
    rows_qs._iterable_class = qs._iterable_class  # keeps e.g. the field policy of access.scope
    rows = {row.pk: row for row in rows_qs}
    page.object_list = [rows[pk] for pk in page_ids if pk in rows]
    return page


def _related(qs: QuerySet) -> list[str]:
    related = qs.query.select_related
    if isinstance(related, dict):
        return _flatten(related)
    return []


def _flatten(tree: dict, prefix: str = "") -> list[str]:
    names = []
    for name, sub in tree.items():
        path = f"{prefix}{name}"
        names.append(path)
        names.extend(_flatten(sub, f"{path}__"))
    return names
