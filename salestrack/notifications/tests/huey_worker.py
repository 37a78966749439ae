"""`manage.py run_huey` on a Redis queue of its own name, for the killed-worker test.

    python -m salestrack.notifications.tests.huey_worker <queue name> [run_huey options]

The settings name the queue "salestrack" on REDIS_URL; a test that runs real worker processes
against a shared Redis server (CI, or xdist workers of one run) gives them a queue of their own
instead, as the in-process consumers of the other Redis tests do (access/tests/test_tasks.py).
The command is the project's own run_huey: only the queue's name differs.
"""

import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salestrack.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from huey.contrib.djhuey import HUEY

    HUEY.name = argv[0]
    HUEY.storage = HUEY.create_storage()  # RedisStorage keys: huey.redis.<name>, ...
    call_command("run_huey", *argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
