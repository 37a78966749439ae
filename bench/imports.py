"""Import speed and memory: salestrack's import engine against django-import-export, same file.

    python bench/imports.py --scale 100000 [--db sqlite|postgres] [--formats csv,xlsx]

One run generates ONE deterministic ledger of N rows (公司名称, 行业, 地区, 联系人, 职务,
手机, 邮箱, 商机名称, 金额(元), 阶段, 预计成交日期, 负责人: a distinct Chinese company per row
with its contact and its deal, owners among 8 reps) and writes it twice into a temp dir:
.csv (UTF-8 with BOM) and .xlsx (openpyxl write_only). Each format is then imported by each
importer, each import in its own child process into its own fresh database holding only the
migrations' data and the users (a migrated SQLite template file copied per run, or a
PostgreSQL database created per run with CREATE DATABASE … TEMPLATE; not timed). The values
are clean enough for both importers (plain numbers, ISO dates, stage names as the pipeline
spells them), so both end with the same N customers, N contacts and N deals (the child
checks the counts).

(a) salestrack: the wizard's / `manage.py import_records --commit` code path —
    services.batch_create_from_path, services.import_preview (the dry run that checks every row),
    services.import_commit(background=False) (one transaction) — as the admin, columns guessed.

(b) django-import-export 4.4.3, configured as its user would for a file that holds several
    models: one ModelResource per model over the same tablib Dataset, imported in the order the
    foreign keys need (customers, then contacts, then deals), each the way the admin's import
    does it: import_data(dry_run=True), stop on errors, then import_data(dry_run=False). The
    records are matched by import_id_fields (customer by name, contact by customer + name, deal
    by customer + title); foreign keys by ForeignKeyWidget (customer by name, stage by name,
    owner by display name); text columns by CharWidget(allow_blank=True) (an empty .xlsx cell
    is None, the columns are NOT NULL). The library's documented speed options are on: use_bulk=True
    (bulk_create in batches of 1000) and skip_diff=True. before_save_instance fills what the
    models need and a file does not say (a customer's and a deal's team from the owner, a
    deal's pipeline, status, stage_entered_at, closed_at). It does LESS than salestrack: no
    pinyin search keys, no stage history, no within-file or fuzzy duplicate detection, no
    phone/date/amount normalisation, no import batch/undo record or audit entry — the
    comparison is therefore conservative for salestrack.

Time: wall time of the whole import in the child (reading the file included; Django start-up,
migrations and database creation excluded). Memory: peak_mb is the child process's maximum
resident set size read by the parent with os.wait4 (rusage of that one child: the honest
whole-process figure, C extensions and the driver included); base_mb is the child's RSS just
before the import started (Django loaded, connected), so peak_mb - base_mb is what the import
added. Queries are counted with a connection execute_wrapper (nothing is stored).

cpu_ms is the child's CPU time (user + system) over the same span: on a shared machine the
wall time also counts the waits for a core, the CPU time does not (the database server's own
CPU, on PostgreSQL, is not in it).

Output, one JSON line per case (bench/pages.py's fields plus cpu_ms, rows_per_s, peak_mb,
base_mb):
`salestrack-<fmt>` has baseline_ms = the django-import-export time of the same format and
ratio = salestrack / baseline (< 0.1: at least 10× faster), cpu_ratio the same by CPU time and
peak_mb_ratio the peak memory of salestrack over django-import-export's;
`django-import-export-<fmt>` is its own baseline (ratio 1). `salestrack-<fmt>-tenth` imports
the first N/10 rows, and
`memory-growth-<fmt>` sets the two salestrack peaks side by side (growth = import_mb at N over
import_mb at N/10; 1.0 = flat, 10 = linear). Imports are long: --repeat defaults to 1 (the
median is then the single run).
"""

import argparse
import csv
import datetime
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = [
    "公司名称",
    "行业",
    "地区",
    "联系人",
    "职务",
    "手机",
    "邮箱",
    "商机名称",
    "金额(元)",
    "阶段",
    "预计成交日期",
    "负责人",
]
REPS = [
    ("wangfang", "王芳"),
    ("lina", "李娜"),
    ("zhangwei", "张伟"),
    ("liuyang", "刘洋"),
    ("chenjing", "陈静"),
    ("yanglei", "杨磊"),
    ("zhaomin", "赵敏"),
    ("huangqiang", "黄强"),
]
CITIES = [
    *("北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "重庆"),
    *("天津", "长沙", "郑州", "青岛", "厦门", "宁波", "合肥", "济南", "福州", "沈阳", "大连"),
    *("昆明", "无锡", "东莞", "佛山"),
]
BRAND_CHARS = (
    "华信达通恒泰鑫源宏盛中科瑞博天宇安创新联金汇立诚东方德隆嘉兴凯远明辉永昌晟锦荣海峰腾飞"
    "云智远航优品卓越启航"
)
TRADES = [
    ("科技", "软件"),
    ("电子", "电子制造"),
    ("机械", "装备制造"),
    ("医药", "医疗健康"),
    ("物流", "物流"),
    ("贸易", "批发零售"),
    ("建材", "建筑"),
    ("食品", "食品饮料"),
    ("教育科技", "教育"),
    ("网络科技", "互联网"),
    ("新能源", "能源"),
    ("化工", "化工"),
]
NAME_INDEX = "bench_customer_name"

LEGAL = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂英华玲志鹏宇浩然晨曦子涵"
TITLES = [
    *("总经理", "采购经理", "IT总监", "财务总监", "副总裁", "项目经理", "技术负责人", "行政主管"),
]
MOBILE = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "158",
    "159",
    "180",
    "181",
    "185",
    "186",
    "188",
    "189",
]
PRODUCTS = [
    *("CRM系统", "ERP升级", "数据平台", "云服务", "年度维保", "培训服务", "硬件采购", "定制开发"),
]
# Mostly open stages, as in a live ledger; the names are the default pipeline's.
STAGES = ["线索"] * 6 + ["需求确认"] * 5 + ["方案报价"] * 4 + ["商务谈判"] * 3
STAGES += ["合同签订"] * 2 + ["回款", "赢单", "输单"]


# -- the file -----------------------------------------------------------------------------------


def ledger_rows(n: int):
    """N rows, always the same for the same N (the first k rows do not depend on N)."""
    rng = random.Random(20241123)
    used: set[str] = set()
    start = datetime.date(2025, 1, 1)
    for i in range(n):
        city = CITIES[i % len(CITIES)]
        trade, industry = rng.choice(TRADES)
        while True:  # a brand no earlier row has (the company key must be distinct)
            brand = "".join(rng.choice(BRAND_CHARS) for _ in range(rng.choice((2, 3, 3, 4))))
            if brand + trade not in used:
                used.add(brand + trade)
                break
        name = f"{city}{brand}{trade}{rng.choice(LEGAL)}"
        person = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        phone = f"{rng.choice(MOBILE)}{i:08d}"
        email = f"c{i:06d}@{rng.choice(('qq.com', '163.com', 'example.cn'))}" if i % 3 else ""
        amount = rng.randrange(5_000, 2_000_000, 100)
        close = start + datetime.timedelta(days=rng.randrange(0, 540))
        yield [
            name,
            industry,
            city,
            person,
            rng.choice(TITLES),
            phone,
            email,
            f"{brand}{rng.choice(PRODUCTS)}项目",
            amount,
            rng.choice(STAGES),
            close,
            REPS[rng.randrange(len(REPS))][1],
        ]


def write_files(directory: Path, n: int, formats: list[str], tag: str = "") -> dict[str, Path]:
    paths = {}
    if "csv" in formats:
        path = directory / f"ledger{tag}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            for row in ledger_rows(n):
                row[10] = row[10].isoformat()
                writer.writerow(row)
        paths["csv"] = path
    if "xlsx" in formats:
        from openpyxl import Workbook

        path = directory / f"ledger{tag}.xlsx"
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("销售台账")
        sheet.append(HEADERS)
        for row in ledger_rows(n):
            sheet.append(row)
        workbook.save(path)
        paths["xlsx"] = path
    return paths


# -- databases ----------------------------------------------------------------------------------


def django_setup(data_dir: Path, database_url: str | None) -> None:
    os.environ["SALESTRACK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "salestrack.settings"
    import django

    django.setup()


def prepare_template(name_index: bool) -> None:
    """(child) Migrate and add the users: the state every import starts from."""
    from django.core.management import call_command
    from django.db import connection

    from salestrack.accounts.models import User
    from salestrack.accounts.services import team_create

    call_command("migrate", verbosity=0)
    team = team_create(name="华东销售部")
    User.objects.create_superuser(
        username="admin", password=None, display_name="管理员", role=User.Role.ADMIN
    )
    for username, display in REPS:
        User.objects.create_user(
            username=username, password=None, display_name=display, team=team, role=User.Role.REP
        )
    if name_index:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {NAME_INDEX} ON customers_customer (name)")


class Databases:
    """A fresh database per import: SQLite file copies, or PostgreSQL databases from a template."""

    def __init__(self, args: argparse.Namespace, work: Path):
        self.args, self.work = args, work
        self.template_dir = work / "template"
        self.count = 0
        self.lock = threading.Lock()
        if args.db == "postgres":
            from urllib.parse import urlsplit

            self.url = urlsplit(args.postgres_url)
            self.template = f"{self.url.path.lstrip('/')}_bench_imports_tpl"
            self.created: list[str] = []

    def _admin(self, sql: str) -> None:
        import psycopg

        url = self.url._replace(path="/postgres").geturl()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)

    def _pg_url(self, name: str) -> str:
        return self.url._replace(path=f"/{name}").geturl()

    def build_template(self) -> None:
        self.template_dir.mkdir()
        url = None
        if self.args.db == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.template}"')
            self._admin(f'CREATE DATABASE "{self.template}"')
            url = self._pg_url(self.template)
        argv = ["--child", "template", "--data-dir", str(self.template_dir)]
        if self.args.no_name_index:
            argv.append("--no-name-index")
        child(argv, url)

    def fresh(self) -> tuple[Path, str | None]:
        """(data dir, DATABASE_URL or None for SQLite in the data dir) of a new empty database."""
        with self.lock:  # --jobs: formats ask for databases at the same time
            self.count += 1
            number = self.count
        data_dir = self.work / f"run{number}"
        data_dir.mkdir()
        if self.args.db == "postgres":
            name = f"{self.template}_run{number}"
            self._admin(f'DROP DATABASE IF EXISTS "{name}"')
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            self.created.append(name)
            return data_dir, self._pg_url(name)
        for name in ("salestrack.sqlite3", "salestrack.sqlite3-wal", "secret_key"):
            if (self.template_dir / name).exists():
                shutil.copy(self.template_dir / name, data_dir / name)
        return data_dir, None

    def drop(self, data_dir: Path, url: str | None) -> None:
        shutil.rmtree(data_dir, ignore_errors=True)
        if url:
            name = url.rsplit("/", 1)[1]
            self._admin(f'DROP DATABASE IF EXISTS "{name}"')
            self.created.remove(name)

    def close(self) -> None:
        if self.args.db == "postgres":
            for name in [*self.created, self.template]:
                self._admin(f'DROP DATABASE IF EXISTS "{name}"')


def child(argv: list[str], database_url: str | None) -> tuple[dict, float]:
    """Run this script as a child; (its last JSON line, its max RSS in MB via os.wait4)."""
    env = dict(os.environ)
    if database_url:
        argv = [*argv, "--database-url", database_url]
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), *argv], stdout=subprocess.PIPE, env=env
    )
    out = proc.stdout.read()
    proc.stdout.close()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"child {argv[:2]} failed with exit code {proc.returncode}")
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), usage.ru_maxrss / 1024


# -- the importers (in the child) ---------------------------------------------------------------


def import_salestrack(path: Path) -> None:
    from salestrack.accounts.models import User
    from salestrack.imports import services
    from salestrack.imports.models import ImportBatch

    actor = User.objects.get(username="admin")
    batch = services.batch_create_from_path(
        actor=actor, record_type="deals", path=path, name=path.name
    )
    # The generated companies share city prefixes, so some are near-duplicates of earlier rows
    # (e.g. 重庆鑫新达物流 / 重庆新永达物流); the user's choice "create a separate customer" for
    # similar names keeps every row, as django-import-export does. The check still runs.
    services.import_preview(batch=batch, options={"fuzzy": "create"})
    counts = batch.result["counts"]
    if batch.result.get("problem") or counts["error"] or counts["ask"]:
        sys.exit(f"salestrack preview: {batch.result.get('problem')} {counts}")
    services.import_commit(batch=batch, actor=actor, background=False)
    batch.refresh_from_db()
    if batch.status != ImportBatch.Status.DONE:
        sys.exit(f"salestrack commit failed: {batch.error}")


def import_export_resources():
    """The ModelResources a user of django-import-export would write for this ledger."""
    from django.utils import timezone
    from import_export import fields, resources, widgets

    from salestrack.accounts.models import User
    from salestrack.customers.models import Contact, Customer
    from salestrack.deals.models import Deal
    from salestrack.pipeline.models import Stage

    status_by_kind = {"open": "open", "won": "won", "lost": "lost"}

    # Text columns: an empty .xlsx cell arrives as None; the model's columns are NOT NULL.
    text = widgets.CharWidget(allow_blank=True)

    class Fast:
        use_bulk = True
        batch_size = 1000
        skip_diff = True

    class CustomerResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="公司名称", widget=text)
        industry = fields.Field(attribute="industry", column_name="行业", widget=text)
        region = fields.Field(attribute="region", column_name="地区", widget=text)
        owner = fields.Field(
            attribute="owner",
            column_name="负责人",
            widget=widgets.ForeignKeyWidget(User, "display_name"),
        )

        class Meta(Fast):
            model = Customer
            fields = ("name", "industry", "region", "owner")
            import_id_fields = ("name",)

        def before_save_instance(self, instance, row, **kwargs):
            instance.team_id = instance.owner.team_id

    class ContactResource(resources.ModelResource):
        customer = fields.Field(
            attribute="customer",
            column_name="公司名称",
            widget=widgets.ForeignKeyWidget(Customer, "name"),
        )
        name = fields.Field(attribute="name", column_name="联系人", widget=text)
        title = fields.Field(attribute="title", column_name="职务", widget=text)
        phone = fields.Field(attribute="phone", column_name="手机", widget=text)
        email = fields.Field(attribute="email", column_name="邮箱", widget=text)

        class Meta(Fast):
            model = Contact
            fields = ("customer", "name", "title", "phone", "email")
            import_id_fields = ("customer", "name")

    class DealResource(resources.ModelResource):
        customer = fields.Field(
            attribute="customer",
            column_name="公司名称",
            widget=widgets.ForeignKeyWidget(Customer, "name"),
        )
        title = fields.Field(attribute="title", column_name="商机名称", widget=text)
        amount = fields.Field(
            attribute="amount", column_name="金额(元)", widget=widgets.DecimalWidget()
        )
        expected_close_date = fields.Field(
            attribute="expected_close_date",
            column_name="预计成交日期",
            widget=widgets.DateWidget("%Y-%m-%d"),
        )
        stage = fields.Field(
            attribute="stage", column_name="阶段", widget=widgets.ForeignKeyWidget(Stage, "name")
        )
        owner = fields.Field(
            attribute="owner",
            column_name="负责人",
            widget=widgets.ForeignKeyWidget(User, "display_name"),
        )

        class Meta(Fast):
            model = Deal
            fields = ("customer", "title", "amount", "expected_close_date", "stage", "owner")
            import_id_fields = ("customer", "title")

        def before_save_instance(self, instance, row, **kwargs):
            now = timezone.now()
            instance.team_id = instance.owner.team_id
            instance.pipeline_id = instance.stage.pipeline_id
            instance.status = status_by_kind[instance.stage.kind]
            instance.stage_entered_at = now
            if instance.stage.kind != "open":
                instance.closed_at = now

    return [CustomerResource, ContactResource, DealResource]


def import_django_import_export(path: Path) -> None:
    import tablib

    fmt = path.suffix.lstrip(".")
    if fmt == "csv":
        with open(path, encoding="utf-8-sig") as handle:
            dataset = tablib.Dataset().load(handle.read(), format="csv")
    else:
        with open(path, "rb") as handle:
            dataset = tablib.Dataset().load(handle.read(), format="xlsx")
    for resource_class in import_export_resources():
        for dry_run in (True, False):
            result = resource_class().import_data(dataset, dry_run=dry_run)
            if result.has_errors() or result.has_validation_errors():
                errors = [e.error for e in result.base_errors]
                errors += [e.error for _n, row in result.row_errors() for e in row]
                errors += [r.error_dict for r in result.invalid_rows]
                sys.exit(f"{resource_class.__name__} (dry_run={dry_run}): {errors[:3]!r}")


def run_child(args: argparse.Namespace) -> None:
    django_setup(Path(args.data_dir), args.database_url)
    if args.child == "template":
        prepare_template(not args.no_name_index)
        return
    from django.db import connection

    from salestrack.customers.models import Contact, Customer
    from salestrack.deals.models import Deal

    connection.ensure_connection()
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    path = Path(args.file)
    importer = import_salestrack if args.child == "salestrack" else import_django_import_export
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu_started = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        importer(path)
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - cpu_started) * 1000
    if args.profile:
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
    records = [Customer.objects.count(), Contact.objects.count(), Deal.objects.count()]
    print(
        json.dumps(
            {
                "ms": elapsed,
                "cpu_ms": cpu,
                "queries": queries,
                "base_mb": base_mb,
                "records": records,
            }
        ),
        flush=True,
    )


# -- the parent ---------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10000, help="rows in the file")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--jobs", type=int, default=1, help="formats imported at the same time (CPU time holds)"
    )
    parser.add_argument(
        "--only", choices=["salestrack", "django-import-export"], help="one importer (no ratio)"
    )
    parser.add_argument("--no-growth", action="store_true", help="skip the N/10 memory check")
    parser.add_argument(
        "--no-name-index",
        action="store_true",
        help="no index on customers_customer(name) (django-import-export's lookups scan)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the salestrack imports (to stderr)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL",
            "postgres://salestrack:salestrack-ci-password@127.0.0.1:5432/salestrack",
        ),
        help="a role with CREATEDB; the run creates and drops its own databases next to it",
    )
    # internal: the child process
    parser.add_argument(
        "--child", choices=["template", "salestrack", "iex"], help=argparse.SUPPRESS
    )
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    return parser.parse_args()


def measure(args, dbs: Databases, kind: str, path: Path, rows: int) -> dict:
    """Import `path` `--repeat` times, each into a fresh database; timings and peak memory."""
    samples, cpus, peaks, bases, queries = [], [], [], [], 0
    for _ in range(args.repeat):
        data_dir, url = dbs.fresh()
        argv = ["--child", kind, "--file", str(path), "--data-dir", str(data_dir)]
        if args.profile and kind == "salestrack":
            argv.append("--profile")
        try:
            result, peak = child(argv, url)
        finally:
            dbs.drop(data_dir, url)
        if result["records"] != [rows] * 3:
            sys.exit(f"{kind} {path.name}: expected {rows} of each, got {result['records']}")
        samples.append(result["ms"])
        cpus.append(result["cpu_ms"])
        peaks.append(peak)
        bases.append(result["base_mb"])
        queries = result["queries"]
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": p95,
        "cpu_ms": statistics.median(cpus),
        "queries": queries,
        "peak_mb": max(peaks),
        "base_mb": min(bases),
    }


def line(
    args, case: str, n: int, m: dict, baseline: float | None, theirs: dict | None = None
) -> dict:
    row = {
        "bench": "imports",
        "case": case,
        "db": args.db,
        "n": n,
        "median_ms": round(m["median_ms"], 1),
        "p95_ms": round(m["p95_ms"], 1),
        "cpu_ms": round(m["cpu_ms"], 1),
        "queries": m["queries"],
        "baseline_ms": round(baseline, 1) if baseline else None,
        "ratio": round(m["median_ms"] / baseline, 3) if baseline else None,
        "rows_per_s": round(n / (m["median_ms"] / 1000)),
        "peak_mb": round(m["peak_mb"], 1),
        "base_mb": round(m["base_mb"], 1),
    }
    if theirs:  # the same importers side by side: CPU time and peak memory, ours over theirs
        row["cpu_ratio"] = round(m["cpu_ms"] / theirs["cpu_ms"], 3)
        row["peak_mb_ratio"] = round(m["peak_mb"] / theirs["peak_mb"], 3)
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main() -> None:
    args = parse_args()
    if args.child:
        run_child(args)
        return
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    n, tenth = args.scale, max(1, args.scale // 10)
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        files = write_files(work, n, formats)
        small = {} if args.no_growth or args.only == "django-import-export" else None
        if small is None:
            small = write_files(work, tenth, formats, tag="-tenth")
        print(
            f"# wrote {n} rows as {', '.join(formats)} in {time.perf_counter() - started:.0f}s",
            file=sys.stderr,
        )
        dbs = Databases(args, work)
        try:
            dbs.build_template()

            def run_format(fmt: str) -> None:
                theirs = None
                if args.only != "salestrack":
                    theirs = measure(args, dbs, "iex", files[fmt], n)
                    line(args, f"django-import-export-{fmt}", n, theirs, theirs["median_ms"])
                if args.only == "django-import-export":
                    return
                ours = measure(args, dbs, "salestrack", files[fmt], n)
                line(args, f"salestrack-{fmt}", n, ours, theirs and theirs["median_ms"], theirs)
                if fmt in small:
                    low = measure(args, dbs, "salestrack", small[fmt], tenth)
                    line(args, f"salestrack-{fmt}-tenth", tenth, low, None)
                    big_mb = ours["peak_mb"] - ours["base_mb"]
                    small_mb = low["peak_mb"] - low["base_mb"]
                    growth = {
                        "bench": "imports",
                        "case": f"memory-growth-{fmt}",
                        "db": args.db,
                        "n": n,
                        "peak_mb": round(ours["peak_mb"], 1),
                        "peak_mb_tenth": round(low["peak_mb"], 1),
                        "import_mb": round(big_mb, 1),
                        "import_mb_tenth": round(small_mb, 1),
                        "growth": round(big_mb / small_mb, 2) if small_mb > 0 else None,
                    }
                    print(json.dumps(growth), flush=True)

            if args.jobs > 1:  # the formats side by side (each importer still in its own child)
                with ThreadPoolExecutor(max_workers=args.jobs) as pool:
                    list(pool.map(run_format, formats))
            else:
                for fmt in formats:
                    run_format(fmt)
        finally:
            dbs.close()


if __name__ == "__main__":
    main()
