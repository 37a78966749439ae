"""Domain signals of the pipeline app, sent by its services inside their transaction."""

from django.dispatch import Signal

# Two stages of a pipeline swapped places (pipeline.services.stage_move): what counts as "further
# along" changed for every deal of the pipeline. Keyword arguments: pipeline_id (int).
stage_order_changed = Signal()
