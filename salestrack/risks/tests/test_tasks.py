import pytest

from salestrack.risks.models import CycleMedian
from salestrack.risks.tasks import cycle_medians_refresh_task
from salestrack.risks.tests.factories import won_deal

pytestmark = pytest.mark.django_db


def test_the_daily_job_rebuilds_the_medians(personas, pipeline):
    won_deal(owner=personas.alice, days=12)
    assert cycle_medians_refresh_task.call_local() == 2  # the segment and the pipeline
    assert CycleMedian.objects.get(pipeline=pipeline, industry=None).sample_size == 1
