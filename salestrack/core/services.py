from typing import Any

from django.db import models


def model_update(
    *, instance: models.Model, fields: list[str], data: dict[str, Any]
) -> tuple[models.Model, bool]:
    """Set the given fields from data and save only those that changed."""
    changed = []
    for field in fields:
        if field not in data:
            continue
        if getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    if changed:
        instance.full_clean(
            exclude=[f.name for f in instance._meta.fields if f.name not in changed]
        )
        if any(f.name == "updated_at" for f in instance._meta.fields):
            changed.append("updated_at")
        instance.save(update_fields=changed)
    return instance, bool(changed)
