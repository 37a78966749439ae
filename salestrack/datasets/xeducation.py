"""X Education "Leads.csv" → salestrack (see shared/datasets/x_education_leads/SOURCE.md).

Mapping:
- A pipeline "X Education": 线索 Lead (open), 已转化 Converted (won), 未转化 Not converted
  (lost). Every lead is a deal there, won when Converted = 1, else lost: the export is the
  campaign's final state and conversion is what the data set is about, so win rate and
  lead-source conversion both equal the file's conversion.
- Each lead is a customer named by its Prospect ID, with one deal named "Lead <Lead Number>",
  owned by the importing user (the file names no sales people).
- Lead Source: spellings that differ only in case, spaces or underscores are one source (the
  most frequent spelling names it: "google" → "Google", counted in the report); customers and
  deals have a fixed list of source channels, so each source maps to one (LEAD_SOURCES, a
  decision stated here and checked independently by the tests): search engines, social media
  and paid clicks → online ads; the site's own traffic, chats, blogs and click-to-call →
  website; references and referral sites → referral; the partner site Welingak → partner;
  press releases, e-mail campaigns and the test entry "testone" → other. A source missing
  from the table → other (noted). Blank stays blank. The deal's lead source is its lead's.
- City → region, the form default "Select" (= not answered) → blank.
- The file has no dates: the leads are created, and closed, when loaded. Each deal's stage
  history is a Lead stay ended at once by its Converted / Not converted stay (durations are
  unknown, so the Lead stay lasts 0 days).

The import takes a prepared copy of the file (the five columns above, cleaned as said), as a
user would tidy such an export before uploading it; every record is written by the import.
"""

import csv
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from salestrack.accounts.models import User
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Customer
from salestrack.datasets import sources
from salestrack.datasets.services import (
    LoadReport,
    Stay,
    chunks,
    created_ids,
    deal_history_replace,
    import_commit_batch,
    import_preview_file,
    refuse_unexpected,
)
from salestrack.deals.models import Deal
from salestrack.pipeline.models import Pipeline, Stage
from salestrack.pipeline.services import pipeline_create, stage_save

PIPELINE_NAME = "X Education"
# kind -> (Chinese name, English name): the stages pipeline_create makes, renamed
STAGES = {
    Stage.Kind.OPEN: ("线索", "Lead"),
    Stage.Kind.WON: ("已转化", "Converted"),
    Stage.Kind.LOST: ("未转化", "Not converted"),
}
S = Customer.Source
LEAD_SOURCES = {
    "Google": S.ONLINE_AD,
    "bing": S.ONLINE_AD,
    "Facebook": S.ONLINE_AD,
    "Social Media": S.ONLINE_AD,
    "Pay per Click Ads": S.ONLINE_AD,
    "youtubechannel": S.ONLINE_AD,
    "Direct Traffic": S.WEBSITE,
    "Organic Search": S.WEBSITE,
    "Olark Chat": S.WEBSITE,
    "Live Chat": S.WEBSITE,
    "Click2call": S.WEBSITE,
    "blog": S.WEBSITE,
    "welearnblog_Home": S.WEBSITE,
    "WeLearn": S.WEBSITE,
    "Reference": S.REFERRAL,
    "Referral Sites": S.REFERRAL,
    "Welingak Website": S.PARTNER,
    "Press_Release": S.OTHER,
    "NC_EDM": S.OTHER,
    "testone": S.OTHER,
}
NOT_ANSWERED = "Select"
PREPARED_HEADERS = ["Company", "Deal name", "Stage", "Source", "Region"]
PREPARED_COLUMNS = ["name", "title", "stage", "source", "region"]


def spelling_key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch not in " _-")


CHANNELS = {spelling_key(name): channel for name, channel in LEAD_SOURCES.items()}


def canonical_sources(values: list[str]) -> dict[str, str]:
    """{published spelling: the spelling that names its source}: the most frequent one, on a
    tie the one with capitals."""
    counts = Counter(v for v in values if v)
    groups: dict[str, list[str]] = defaultdict(list)
    for value in counts:
        groups[spelling_key(value)].append(value)
    names = {}
    for spellings in groups.values():
        chosen = max(spellings, key=lambda v: (counts[v], not v.islower(), v))
        names |= dict.fromkeys(spellings, chosen)
    return names


def pipeline_get_or_create(*, actor: User, report: LoadReport) -> dict[str, Stage]:
    """Stages by kind."""
    existing = Pipeline.objects.filter(name_en=PIPELINE_NAME).first()
    if existing is not None:
        stages = {s.kind: s for s in existing.stages.all()}
        if {k: s.name_en for k, s in stages.items()} != {k: n[1] for k, n in STAGES.items()}:
            raise ApplicationError(
                _("A pipeline named %(name)s exists with other stages.") % {"name": PIPELINE_NAME}
            )
        return stages
    pipeline = pipeline_create(name=PIPELINE_NAME, name_en=PIPELINE_NAME, actor=actor)
    stages = {}
    for stage in pipeline.stages.all():
        name, name_en = STAGES[stage.kind]
        stages[stage.kind] = stage_save(
            pipeline=pipeline,
            stage=stage,
            data={"name": name, "name_en": name_en},
            requirements=[],
            actor=actor,
        )
    report.created["pipelines"] = 1
    return stages


def _prepare(rows: list[dict[str, str]], target: Path, report: LoadReport) -> Counter:
    """The prepared copy; returns the rows per source channel."""
    names = canonical_sources([row["Lead Source"] for row in rows])
    respelled = Counter((v, names[v]) for v in (r["Lead Source"] for r in rows) if v)
    for (published, name), count in sorted(respelled.items()):
        if published != name:
            report.notes.append(
                _("lead source “%(published)s” read as “%(name)s” (%(count)d rows)")
                % {"published": published, "name": name, "count": count}
            )
    unmapped = Counter()
    channels = Counter()
    not_answered = 0
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PREPARED_HEADERS)
        for row in rows:
            if row["Converted"] not in ("0", "1"):
                raise ApplicationError(
                    _("Lead %(number)s: Converted is “%(value)s”, not 0 or 1.")
                    % {"number": row["Lead Number"], "value": row["Converted"]}
                )
            source = names.get(row["Lead Source"], "")
            channel = CHANNELS.get(spelling_key(source), S.OTHER) if source else ""
            if source and spelling_key(source) not in CHANNELS:
                unmapped[source] += 1
            channels[channel] += 1
            city = row["City"]
            if city == NOT_ANSWERED:
                city, not_answered = "", not_answered + 1
            stage = STAGES[Stage.Kind.WON if row["Converted"] == "1" else Stage.Kind.LOST][1]
            writer.writerow(
                [row["Prospect ID"], f"Lead {row['Lead Number']}", stage, channel, city]
            )
    for source, count in sorted(unmapped.items()):
        report.notes.append(
            _("lead source “%(source)s” has no channel: other (%(count)d rows)")
            % {"source": source, "count": count}
        )
    report.notes.append(
        _("City “%(value)s” (not answered) left blank: %(count)d rows")
        % {"value": NOT_ANSWERED, "count": not_answered}
    )
    return channels


def load(*, path: Path, actor: User) -> LoadReport:
    rows = sources.read_table(
        path / sources.XEDUCATION_DIR / sources.LEADS_FILE, sources.LEADS_COLUMNS
    )
    report = LoadReport(dataset="xeducation", rows=len(rows))
    stages = pipeline_get_or_create(actor=actor, report=report)
    pipeline = stages[Stage.Kind.OPEN].pipeline
    with tempfile.TemporaryDirectory() as folder:
        prepared = Path(folder) / "leads-prepared.csv"
        channels = _prepare(rows, prepared, report)
        batch = import_preview_file(
            actor=actor,
            record_type="deals",
            source=prepared,
            name="Leads.csv (prepared)",
            options={"columns": PREPARED_COLUMNS, "pipeline": pipeline.pk},
        )
        refuse_unexpected(batch, allowed_errors=set())
        deal_ids = import_commit_batch(batch=batch, actor=actor)
    report.batches.append(batch.pk)
    report.created["customers"] = len(created_ids(batch, "customer"))
    report.created["deals"] = len(deal_ids)
    report.notes.append(
        _("source channels: %(counts)s")
        % {"counts": ", ".join(f"{k or '-'} {v}" for k, v in sorted(channels.items()))}
    )
    histories, actors = {}, {}
    for chunk in chunks(deal_ids):
        Deal.objects.filter(pk__in=chunk).update(
            source=Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("source"))
        )
        for pk, stage_id, closed_at in Deal.objects.filter(pk__in=chunk).values_list(
            "pk", "stage_id", "closed_at"
        ):
            stage = stages[
                Stage.Kind.WON if stage_id == stages[Stage.Kind.WON].pk else Stage.Kind.LOST
            ]
            histories[pk] = [Stay(stages[Stage.Kind.OPEN], closed_at), Stay(stage, closed_at)]
            actors[pk] = actor.pk
    report.created["stage_history_rows"] = deal_history_replace(histories=histories, actors=actors)
    return report
