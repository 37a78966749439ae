"""What an import can fill, per record type, and how column headers are recognised.

A header is compared after `header_norm` (NFKC, lower case, no spaces or punctuation, a unit in
brackets removed: '金额(万元)' → '金额'); `header_unit` reads that unit (万元 → 10,000).
"""

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salestrack.imports.cleaning import normalize_text


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Promise
    kind: str  # text, phone, email, date, amount, choice, stage, owner, size
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int | None = None


CUSTOMER_FIELDS = (
    FieldSpec(
        "name",
        _("Company name"),
        "text",
        _words(
            "公司名称 客户名称 公司 客户 单位名称 企业名称 客户全称 公司全称 单位 企业 "
            "company companyname customer customername account accountname organization"
        ),
        required=True,
        max_length=200,
    ),
    FieldSpec(
        "industry", _("Industry"), "text", _words("行业 所属行业 industry sector"), max_length=60
    ),
    FieldSpec(
        "region",
        _("Region"),
        "text",
        _words("地区 区域 城市 所在地 所在地区 省份 省市 region city location officelocation"),
        max_length=60,
    ),
    FieldSpec(
        "source",
        _("Source"),
        "choice",
        _words("来源 客户来源 线索来源 渠道 来源渠道 source leadsource channel"),
    ),
    FieldSpec("size", _("Size"), "size", _words("规模 公司规模 人数 员工数 size employees staff")),
    FieldSpec("budget", _("Budget"), "amount", _words("预算 客户预算 budget")),
    FieldSpec("pain_points", _("Pain points"), "text", _words("痛点 客户痛点 painpoints")),
    FieldSpec("tier", _("Tier"), "choice", _words("客户等级 等级 级别 分级 tier")),
    FieldSpec(
        "owner",
        _("Owner"),
        "owner",
        _words("负责人 销售 销售人员 业务员 客户经理 归属人 owner salesrep salesagent rep"),
    ),
    FieldSpec(
        "contact_name",
        _("Contact"),
        "text",
        _words("联系人 联系人姓名 姓名 contact contactname contactperson"),
        max_length=100,
    ),
    FieldSpec(
        "contact_title",
        _("Job title"),
        "text",
        _words("职位 职务 岗位 jobtitle position"),
        max_length=100,
    ),
    FieldSpec(
        "phone",
        _("Phone"),
        "phone",
        _words("联系电话 电话 手机 手机号 手机号码 联系方式 电话号码 phone mobile tel telephone"),
    ),
    FieldSpec("email", _("E-mail"), "email", _words("邮箱 电子邮件 电子邮箱 email e-mail mail")),
    FieldSpec("wechat", _("WeChat"), "text", _words("微信 微信号 wechat"), max_length=60),
)

DEAL_ONLY_FIELDS = (
    FieldSpec(
        "title",
        _("Deal name"),
        "text",
        _words(
            "商机名称 商机 项目名称 项目 机会名称 deal dealname opportunity opportunityid "
            "opportunityname title"
        ),
        max_length=200,
    ),
    FieldSpec(
        "amount",
        _("Amount"),
        "amount",
        _words("金额 预计金额 商机金额 合同金额 成交金额 amount value dealvalue closevalue"),
    ),
    FieldSpec(
        "expected_close_date",
        _("Expected close date"),
        "date",
        _words(
            "预计成交日期 预计签约日期 成交日期 签约日期 预计成交时间 closedate "
            "expectedclosedate expectedclose"
        ),
    ),
    FieldSpec("stage", _("Stage"), "stage", _words("阶段 销售阶段 商机阶段 stage dealstage")),
    FieldSpec(
        "next_step", _("Next step"), "text", _words("下一步 下一步计划 nextstep"), max_length=300
    ),
    FieldSpec(
        "competitor", _("Competitor"), "text", _words("竞争对手 竞品 competitor"), max_length=120
    ),
    FieldSpec(
        "lost_reason",
        _("Lost reason"),
        "text",
        _words("输单原因 丢单原因 失单原因 lostreason"),
        max_length=300,
    ),
)

_BY_NAME = {spec.name: spec for spec in CUSTOMER_FIELDS + DEAL_ONLY_FIELDS}
FOLLOWUP_FIELDS = (
    _BY_NAME["name"],
    _BY_NAME["title"],  # optional: the customer's deal the follow-up belongs to
    FieldSpec(
        "kind", _("Follow-up type"), "choice", _words("跟进方式 跟进类型 方式 类型 kind type")
    ),
    FieldSpec(
        "occurred_at",
        _("Follow-up time"),
        "datetime",
        _words("跟进时间 跟进日期 沟通时间 拜访时间 时间 日期 date time occurredat"),
        required=True,
    ),
    FieldSpec(
        "summary",
        _("Our summary"),
        "text",
        _words("跟进内容 沟通内容 跟进记录 跟进小结 内容 小结 记录 summary notes content"),
        required=True,
    ),
    FieldSpec(
        "customer_words", _("Customer's own words"), "text", _words("客户原话 客户反馈 feedback")
    ),
    _BY_NAME["next_step"],
    FieldSpec(
        "next_due_on",
        _("Next follow-up due"),
        "date",
        _words("下次跟进日期 下次跟进时间 下次跟进 下次联系时间 nextdue nextfollowup"),
    ),
    _BY_NAME["owner"],
)

RECORD_TYPES = {
    "customers": CUSTOMER_FIELDS,
    # A deal row names its customer (found, or created with its contact) and the deal itself.
    "deals": CUSTOMER_FIELDS + DEAL_ONLY_FIELDS,
    # A follow-up row names an existing customer (and optionally one of its deals).
    "followups": FOLLOWUP_FIELDS,
}

_UNIT = re.compile(r"[(\[](?:单位[:：]?)?\s*(万元|万|元|千元|cny|rmb|yuan)\s*[)\]]")
_NOISE = re.compile(r"[\W_]+", re.UNICODE)
UNITS = {"万元": 10_000, "万": 10_000, "千元": 1_000, "元": 1, "cny": 1, "rmb": 1, "yuan": 1}


def header_norm(text) -> str:
    text = normalize_text("" if text is None else str(text)).lower()
    text = _UNIT.sub("", text)
    return _NOISE.sub("", text)


def header_unit(text) -> int:
    """The multiplier a header's unit implies: '金额(万元)' → 10000, otherwise 1."""
    match = _UNIT.search(normalize_text("" if text is None else str(text)).lower())
    return UNITS[match.group(1)] if match else 1


def fields_for(record_type: str) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in RECORD_TYPES[record_type]}


def _alias_index(record_type: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for spec in RECORD_TYPES[record_type]:
        for alias in spec.aliases:
            index.setdefault(header_norm(alias), spec.name)
    return index


def guess_field(record_type: str, header) -> str:
    return _alias_index(record_type).get(header_norm(header), "")


def guess_mapping(
    record_type: str, headers: list[str], saved: dict[str, str] | None = None
) -> list[str]:
    """A field name (or '') per column: a saved mapping's choice first, then the aliases.

    A field goes to its first column only."""
    index = _alias_index(record_type)
    known = fields_for(record_type)
    taken: set[str] = set()
    result = []
    for header in headers:
        norm = header_norm(header)
        field = (saved or {}).get(norm) if saved and norm in saved else index.get(norm, "")
        if field not in known or field in taken:
            field = ""
        if field:
            taken.add(field)
        result.append(field)
    return result


def header_score(record_type: str, row: list) -> int:
    index = _alias_index(record_type)
    return sum(1 for cell in row if header_norm(cell) in index)


def detect_header(record_type: str, rows: list[list]) -> int:
    """Index of the header among the first rows: the first row where most filled cells are
    known headers (at least one); the first non-empty row when none qualifies."""
    first_filled = None
    for i, row in enumerate(rows):
        filled = [c for c in row if str(c or "").strip()]
        if not filled:
            continue
        if first_filled is None:
            first_filled = i
        score = header_score(record_type, row)
        if score and score * 2 >= len(filled):
            # A two-row header (cells merged over both rows, sub-headers below a group such
            # as 联系方式 → 手机 | 邮箱): the lower row when all its filled cells are headers.
            below = rows[i + 1] if i + 1 < len(rows) else []
            below_filled = [c for c in below if str(c or "").strip()]
            if below_filled and header_score(record_type, below) == len(below_filled):
                return i + 1
            return i
    return first_filled or 0
