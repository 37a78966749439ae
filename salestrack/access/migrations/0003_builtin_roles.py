from django.db import migrations

from salestrack.access.builtin_roles import install_builtin_roles


def forwards(apps, schema_editor):
    install_builtin_roles(
        apps.get_model("access", "Role"),
        apps.get_model("access", "ObjectPolicy"),
        apps.get_model("access", "FieldPolicy"),
    )


class Migration(migrations.Migration):
    dependencies = [("access", "0002_roles")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
