from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from salestrack.winprob.models import WinModel
from salestrack.winprob.selectors import too_little_message
from salestrack.winprob.services import winprob_train


class Command(BaseCommand):
    help = (
        "Train the win-probability model on the closed deals, print its holdout AUC next to "
        "the stage-probability baseline, and rescore every open deal."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-closed",
            type=int,
            default=None,
            help="closed deals needed (default SALESTRACK_WINPROB_MIN_CLOSED, "
            f"{settings.SALESTRACK_WINPROB_MIN_CLOSED})",
        )

    def handle(self, *args, min_closed=None, **options):
        if min_closed is not None and min_closed < 1:
            raise CommandError("--min-closed must be at least 1")
        m = winprob_train(trigger=WinModel.Trigger.COMMAND, min_closed=min_closed)
        if not m.is_ok:
            self.stdout.write(f"No model: {too_little_message(m)}")
            return
        self.stdout.write(
            f"model #{m.pk}: holdout AUC {m.auc:.3f}, stage-probability baseline "
            f"{m.baseline_auc:.3f}\n"
            f"closed deals {m.closed_deals} ({m.won_deals} won, {m.lost_deals} lost); "
            f"training {m.n_train} snapshots of {m.train_deals} deals, holdout {m.n_holdout} "
            f"snapshots of {m.holdout_deals} deals closed from {m.holdout_from:%Y-%m-%d}\n"
            f"{m.scored_deals} open deals scored in {m.details.get('seconds')} s"
        )
