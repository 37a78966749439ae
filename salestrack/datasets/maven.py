"""Maven Analytics "CRM Sales Opportunities" → salestrack (see shared/datasets/…/SOURCE.md).

Mapping:
- Organisation: a company root team "Maven CRM"; each regional office (Central, East, West) a
  team under it; each manager a sub-team "<office> · <manager>" under their office, with the
  manager as a user of role manager in it (managers see their team's records); each sales
  agent a user of role rep in their manager's sub-team. Usernames are "maven." + the name in
  lower case with every run of other characters turned into a dot ("Mei-Mei Johns" →
  maven.mei.mei.johns); display name = the name as published; no usable password (an
  administrator sets one to log in as them). Agents without deals are created too.
- products.csv → deals.Product (name, series, list price = sales_price; amounts are loaded as
  published, in the files' currency, unconverted).
- A pipeline "Maven CRM": 初步接触 Prospecting (open, 10 %, stalled after 30 days), 洽谈中
  Engaging (open, 60 %, 90 days), 赢单 Won (100 %), 输单 Lost (0 %).
- accounts.csv → customers, through the import: account → name, sector → industry (the typo
  "technolgy" kept as published), employees → size (head count → band), office_location →
  region. revenue, year_established and subsidiary_of have no customer field and are left out.
- sales_pipeline.csv → deals, through the import as the file is: opportunity_id → deal name,
  sales_agent → owner (the agent's user), account → customer, deal_stage → stage (the stage
  names match), close_date → expected close date (and, for won and lost deals, the closing
  date), close_value → amount. Rows without an account (1,425, all open) are refused by the
  import ("account: required") and counted; no placeholder customer is made up for them.
- Afterwards, from the same file (the import has no column for them):
  - dates: created = engage_date; a Prospecting deal has no date at all, so it is created on
    the file's last date (2017-12-31: it existed when the data was exported and was created
    no later). Stage history: a deal with an engage_date entered Engaging that day (its
    Prospecting stay has no date and is not invented: the funnel counts Prospecting as
    passed), won or lost deals then entered Won / Lost on close_date; a Prospecting deal
    entered Prospecting when created. Days are noon local time.
  - products: each deal gets one product line (quantity 1). pipeline names the product
    "GTXPro" where products.csv has "GTX Pro": names are matched ignoring spaces and case,
    and each such match is counted in the report; a product matching nothing is refused
    (the deal keeps no line) and counted.
  - amounts: won deals keep close_value (every won-amount figure equals the file's). Lost
    deals have close_value 0 in the file and open deals none: they get their product's list
    price, the value at stake, so that pipeline and forecast figures are not zero and the
    forecast backtest cannot tell the deals that will be lost by their amount of 0.
"""

import csv
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

from salestrack.accounts.models import Team, User
from salestrack.accounts.services import team_create
from salestrack.core.exceptions import ApplicationError
from salestrack.datasets import sources
from salestrack.datasets.services import (
    LoadReport,
    Stay,
    chunks,
    day_moment,
    deal_history_replace,
    import_commit_batch,
    import_preview_file,
    refuse_unexpected,
    rows_update,
)
from salestrack.deals.models import Deal, DealLine, Product
from salestrack.imports.cleaning import choice_key
from salestrack.imports.services import batch_errors
from salestrack.pipeline.models import Pipeline, Stage
from salestrack.pipeline.services import pipeline_create, stage_save

PIPELINE_NAME = "Maven CRM"
ROOT_TEAM = "Maven CRM"
USERNAME_PREFIX = "maven."
# (file stage name, Chinese name, kind, probability %, stalled after days, colour)
STAGES = (
    ("Prospecting", "初步接触", Stage.Kind.OPEN, 10, 30, "#94a3b8"),
    ("Engaging", "洽谈中", Stage.Kind.OPEN, 60, 90, "#3b82f6"),
    ("Won", "赢单", Stage.Kind.WON, 100, 30, "#16a34a"),
    ("Lost", "输单", Stage.Kind.LOST, 0, 30, "#ef4444"),
)
ACCOUNT_COLUMNS = {
    "account": "name",
    "sector": "industry",
    "employees": "size",
    "office_location": "region",
}
DEAL_COLUMNS = {
    "opportunity_id": "title",
    "sales_agent": "owner",
    "account": "name",
    "deal_stage": "stage",
    "close_date": "expected_close_date",
    "close_value": "amount",
}


def username_for(name: str) -> str:
    return USERNAME_PREFIX + re.sub(r"[^a-z0-9]+", ".", name.casefold()).strip(".")


def product_key(name: str) -> str:
    return re.sub(r"\s+", "", name).casefold()


def _columns(path: Path, mapping: dict[str, str]) -> list[str]:
    """The import's column choices for the file's header: a field per known column."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        headers = [h.strip() for h in next(csv.reader(handle), [])]
    return [mapping.get(h, "") for h in headers]


# -- organisation, pipeline, products ----------------------------------------------------------


def _team(name: str, parent: Team | None) -> Team:
    return Team.objects.filter(name=name, parent=parent).first() or team_create(
        name=name, parent=parent
    )


def _user(name: str, role: str, team: Team, report: LoadReport) -> User:
    username = username_for(name)
    user = User.objects.filter(username=username).first()
    if user is not None:
        if user.display_name != name:
            raise ApplicationError(
                _("The username %(username)s belongs to someone else (%(name)s).")
                % {"username": username, "name": user}
            )
        return user
    first, _sep, last = name.partition(" ")
    user = User(
        username=username,
        display_name=name,
        first_name=first[:150],
        last_name=last[:150],
        role=role,
        team=team,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    report.created[f"users_{role}"] = report.created.get(f"users_{role}", 0) + 1
    return user


def _check_names_free(names: list[str]) -> None:
    """The import finds an owner by username or display name: another user answering to an
    agent's name would receive that agent's deals. Refused instead."""
    keys = {choice_key(n): n for n in names}
    ours = {username_for(n) for n in names}
    for username, display in User.objects.filter(is_active=True).values_list(
        "username", "display_name"
    ):
        if username in ours:
            continue
        clash = keys.get(choice_key(display)) or keys.get(choice_key(username))
        if clash:
            raise ApplicationError(
                _("The user %(username)s has the name of the agent %(name)s: rename one first.")
                % {"username": username, "name": clash}
            )


def org_create(*, teams: list[dict[str, str]], report: LoadReport) -> dict[str, User]:
    """Teams and users from sales_teams.csv; {agent name: user}."""
    names = [row["sales_agent"] for row in teams] + [row["manager"] for row in teams]
    _check_names_free(sorted(set(names)))
    before = Team.objects.count()
    root = _team(ROOT_TEAM, None)
    agents = {}
    for row in teams:
        office = _team(row["regional_office"], root)
        team = _team(f"{row['regional_office']} · {row['manager']}", office)
        _user(row["manager"], User.Role.MANAGER, team, report)
        agents[row["sales_agent"]] = _user(row["sales_agent"], User.Role.REP, team, report)
    report.created["teams"] = Team.objects.count() - before
    return agents


def pipeline_get_or_create(*, actor: User, report: LoadReport) -> dict[str, Stage]:
    """The "Maven CRM" pipeline's stages by file name (created, or the one a previous load made
    if its stages are these)."""
    existing = Pipeline.objects.filter(name_en=PIPELINE_NAME).first()
    if existing is not None:
        stages = {s.name_en: s for s in existing.stages.all()}
        if {(n, s.kind) for n, s in stages.items()} != {(n, k) for n, _z, k, *_r in STAGES}:
            raise ApplicationError(
                _("A pipeline named %(name)s exists with other stages.") % {"name": PIPELINE_NAME}
            )
        return stages
    pipeline = pipeline_create(name=PIPELINE_NAME, name_en=PIPELINE_NAME, actor=actor)
    made = {s.kind: s for s in pipeline.stages.all()}  # Lead (open), Won, Lost
    stages = {}
    for name_en, name, kind, probability, rot_days, color in STAGES:
        data = {
            "name": name,
            "name_en": name_en,
            "probability": probability,
            "rot_days": rot_days,
            "color": color,
        }
        stage = made.pop(kind, None)
        if stage is None:
            data["kind"] = kind
        stages[name_en] = stage_save(
            pipeline=pipeline, stage=stage, data=data, requirements=[], actor=actor
        )
    report.created["pipelines"] = 1
    return stages


def products_get_or_create(*, rows: list[dict[str, str]], report: LoadReport) -> dict:
    """{product key: Product} for products.csv."""
    products = {}
    created = 0
    for row in rows:
        product = Product.objects.filter(name=row["product"], series=row["series"]).first()
        if product is None:
            product = Product.objects.create(
                name=row["product"],
                series=row["series"],
                list_price=sources.parse_money(row["sales_price"]),
            )
            created += 1
        products[product_key(product.name)] = product
    report.created["products"] = created
    return products


# -- the load ----------------------------------------------------------------------------------


def load(*, path: Path, actor: User) -> LoadReport:
    folder = path / sources.MAVEN_DIR
    tables = {
        name: sources.read_table(folder / name, columns)
        for name, columns in sources.MAVEN_COLUMNS.items()
    }
    report = LoadReport(dataset="maven", rows=sum(len(rows) for rows in tables.values()))
    pipeline_rows = tables["sales_pipeline.csv"]
    agents = org_create(teams=tables["sales_teams.csv"], report=report)
    stages = pipeline_get_or_create(actor=actor, report=report)
    products = products_get_or_create(rows=tables["products.csv"], report=report)
    pipeline = next(iter(stages.values())).pipeline

    accounts = import_preview_file(
        actor=actor,
        record_type="customers",
        source=folder / "accounts.csv",
        name="accounts.csv",
        options={"columns": _columns(folder / "accounts.csv", ACCOUNT_COLUMNS)},
    )
    refuse_unexpected(accounts, allowed_errors=set())
    import_commit_batch(batch=accounts, actor=actor)
    report.batches.append(accounts.pk)
    report.created["customers"] = accounts.created_count

    # Rows are numbered as the import numbers them: the header is row 1.
    no_account = {n for n, row in enumerate(pipeline_rows, start=2) if not row["account"]}
    deals_batch = import_preview_file(
        actor=actor,
        record_type="deals",
        source=folder / "sales_pipeline.csv",
        name="sales_pipeline.csv",
        options={
            "columns": _columns(folder / "sales_pipeline.csv", DEAL_COLUMNS),
            "pipeline": pipeline.pk,
        },
    )
    refuse_unexpected(deals_batch, allowed_errors=no_account)
    reasons = Counter(reason for _row, reason in batch_errors(batch=deals_batch))
    deal_ids = import_commit_batch(batch=deals_batch, actor=actor)
    report.batches.append(deals_batch.pk)
    report.created["deals"] = len(deal_ids)
    if no_account:
        by_stage = Counter(pipeline_rows[n - 2]["deal_stage"] for n in no_account)
        report.refused.append(
            {
                "file": "sales_pipeline.csv",
                "reason": _("no account: the deal has no customer"),
                "import_says": ", ".join(sorted(reasons)),
                "rows": len(no_account),
                "by_stage": dict(sorted(by_stage.items())),
            }
        )
    _history(
        deal_ids=deal_ids,
        rows=pipeline_rows,
        stages=stages,
        products=products,
        agents=agents,
        report=report,
    )
    return report


def _history(
    *,
    deal_ids: list[int],
    rows: list[dict[str, str]],
    stages: dict[str, Stage],
    products: dict,
    agents: dict[str, User],
    report: LoadReport,
) -> None:
    """Dates, stage history, product lines and amounts of the imported deals, from the file."""
    by_id = {row["opportunity_id"]: row for row in rows}
    last_day = max(
        sources.parse_date(d) for row in rows for d in (row["engage_date"], row["close_date"]) if d
    )
    histories, actors, lines, deals = {}, {}, [], []
    mismatched, unknown = Counter(), Counter()
    for chunk in chunks(deal_ids):
        for deal in Deal.objects.filter(pk__in=chunk).only("pk", "title", "amount", "stage_id"):
            row = by_id[deal.title]
            engaged = sources.parse_date(row["engage_date"])
            closed = sources.parse_date(row["close_date"])
            stage = stages[row["deal_stage"]]
            created = day_moment(engaged or last_day)
            stays = [Stay(stage if engaged is None else stages["Engaging"], created)]
            if not stage.is_open:
                stays.append(Stay(stage, day_moment(closed)))
            histories[deal.pk] = stays
            actors[deal.pk] = agents[row["sales_agent"]].pk
            deal.created_at = created
            deal.closed_at = day_moment(closed) if closed else None
            product = products.get(product_key(row["product"]))
            if product is None:
                unknown[row["product"]] += 1
            else:
                if product.name != row["product"]:
                    mismatched[(row["product"], product.name)] += 1
                if stage.kind != Stage.Kind.WON:
                    deal.amount = product.list_price
                lines.append(
                    DealLine(
                        deal_id=deal.pk,
                        product=product,
                        quantity=Decimal(1),
                        unit_price=deal.amount,
                        total=deal.amount,
                    )
                )
            deals.append(deal)
    rows_update(Deal, deals, ["created_at", "closed_at", "amount"])
    DealLine.objects.bulk_create(lines, batch_size=1000)
    report.created["stage_history_rows"] = deal_history_replace(histories=histories, actors=actors)
    report.created["product_lines"] = len(lines)
    in_file = Counter(row["product"] for row in rows)
    for (published, matched), count in sorted(mismatched.items()):
        report.notes.append(
            _(
                "product “%(published)s” is not in products.csv: matched to “%(matched)s” "
                "ignoring spaces and case (%(rows)d rows of the file, %(count)d imported deals)"
            )
            % {
                "published": published,
                "matched": matched,
                "rows": in_file[published],
                "count": count,
            }
        )
        report.created[f"product_matched:{published}"] = count
    for name, count in sorted(unknown.items()):
        report.refused.append(
            {
                "file": "sales_pipeline.csv",
                "reason": _("product not in products.csv: no product line"),
                "product": name,
                "rows": count,
            }
        )
