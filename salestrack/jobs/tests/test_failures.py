"""A background job that fails for good is kept, with its error, for admins to see."""

import datetime

import pytest
from django.urls import reverse
from huey.contrib.djhuey import HUEY, db_task

from salestrack.core.jobs import BACKOFF, RETRIES, nightly_task
from salestrack.jobs.models import JobFailure

pytestmark = pytest.mark.django_db


@db_task(retries=0)
def always_fails(reason: str) -> None:
    raise ConnectionRefusedError(reason)


@db_task(retries=2, retry_delay=10, retry_backoff=2)
def fails_with_retries() -> None:
    raise TimeoutError("SMTP server did not answer")


def test_a_job_that_fails_for_good_is_recorded_with_its_error_and_arguments():
    always_fails("SMTP 127.0.0.1:2525 refused the connection")

    failure = JobFailure.objects.get()
    assert failure.task_name.endswith("always_fails")
    assert failure.error == "ConnectionRefusedError: SMTP 127.0.0.1:2525 refused the connection"
    assert "Traceback" in failure.traceback
    assert "SMTP 127.0.0.1:2525" in failure.arguments
    assert failure.resolved_at is None


def test_a_failure_with_retries_left_is_not_recorded_and_the_retry_waits():
    HUEY.flush()
    fails_with_retries()

    assert not JobFailure.objects.exists()
    (retry,) = HUEY.scheduled()
    assert retry.retries == 1
    assert retry.retry_delay == 20  # the next wait is twice the first
    assert retry.eta > datetime.datetime.now() + datetime.timedelta(seconds=5)
    HUEY.flush()


def test_nightly_jobs_retry_with_back_off():
    @nightly_task(at="off", setting="TEST_AT")
    def nightly_for_test() -> None:
        return None

    assert nightly_for_test.retries == RETRIES
    assert nightly_for_test.task_class.default_retry_backoff == BACKOFF == 2


def _login(client, user):
    client.force_login(user)
    return client


def test_admins_see_failures_and_mark_them_seen(client, personas):
    always_fails("webhook answered 500")
    failure = JobFailure.objects.get()
    _login(client, personas.admin)

    page = client.get(reverse("jobs:failures"))
    assert page.status_code == 200
    assert "ConnectionRefusedError: webhook answered 500" in page.content.decode()

    response = client.post(reverse("jobs:resolve"), {"id": failure.pk})
    assert response.status_code == 302
    failure.refresh_from_db()
    assert failure.resolved_by == personas.admin
    assert "webhook answered 500" not in client.get(reverse("jobs:failures")).content.decode()
    assert (
        "webhook answered 500" in client.get(reverse("jobs:failures") + "?all=1").content.decode()
    )


def test_mark_all_as_seen(client, personas):
    always_fails("one")
    always_fails("two")
    _login(client, personas.admin)
    client.post(reverse("jobs:resolve"))
    assert not JobFailure.objects.filter(resolved_at__isnull=True).exists()


@pytest.mark.parametrize("name", ["alice", "mia"])
def test_others_may_neither_see_nor_clear_failures(client, personas, name):
    always_fails("secret host name")
    _login(client, getattr(personas, name))
    assert client.get(reverse("jobs:failures")).status_code == 403
    assert client.post(reverse("jobs:resolve")).status_code == 403
    assert JobFailure.objects.get().resolved_at is None
