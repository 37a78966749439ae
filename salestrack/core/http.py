from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address by the rule django-axes locks out by (django-ipware with the
    AXES_IPWARE_* settings, see core.env.ipware_proxy_settings), so the audit trail names
    the same address as the lock."""
    from axes.helpers import get_client_ip_address  # needs the app registry

    return get_client_ip_address(request)
