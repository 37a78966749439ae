from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "salestrack.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from salestrack.audit import receivers

        # Logins come from Django's own auth signals; every domain write calls audit_record
        # explicitly inside its service transaction.
        user_logged_in.connect(receivers.record_login, dispatch_uid="audit_login")
        user_login_failed.connect(receivers.record_login_failed, dispatch_uid="audit_login_failed")
        user_locked_out.connect(receivers.record_lockout, dispatch_uid="audit_lockout")
