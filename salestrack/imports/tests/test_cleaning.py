import datetime
from decimal import Decimal

import pytest

from salestrack.core.text import pinyin_search_key as core_key
from salestrack.imports import cleaning
from salestrack.imports.fields import detect_header, guess_mapping, header_norm, header_unit
from salestrack.imports.searchkeys import pinyin_search_key


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("138 1234 5678", "+8613812345678"),
        ("+86-138-1234-5678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),
        (13812345678.0, "+8613812345678"),
        ("021-6123 4567", "+862161234567"),
        ("", ""),
    ],
)
def test_it_canonicalises_phones(raw, phone):
    assert cleaning.phone(raw) == phone


@pytest.mark.parametrize("raw", ["12345", "abc", "138123456789999"])
def test_it_refuses_what_is_not_a_phone(raw):
    with pytest.raises(cleaning.CellError):
        cleaning.phone(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024年3月5日",
        "20240305",
        "2024-03-05 10:30:00",
        45356,
        45356.0,
        "45356",
        datetime.date(2024, 3, 5),
        datetime.datetime(2024, 3, 5, 9, 0),
    ],
)
def test_it_reads_dates(raw):
    assert cleaning.date(raw) == datetime.date(2024, 3, 5)


@pytest.mark.parametrize("raw", ["2024-02-30", "next week", "3/5"])
def test_it_refuses_what_is_not_a_date(raw):
    with pytest.raises(cleaning.CellError):
        cleaning.date(raw)


@pytest.mark.parametrize(
    ("raw", "unit", "amount"),
    [
        ("1,234.5", 1, "1234.50"),
        ("¥1,234", 1, "1234.00"),
        ("￥1,234元", 1, "1234.00"),
        ("12.5万", 1, "125000.00"),
        ("3万元", 1, "30000.00"),
        (12.5, 10_000, "125000.00"),
        ("12.5", 10_000, "125000.00"),
        ("1200元", 10_000, "1200.00"),  # a unit in the cell wins over the header's
        ("1.2亿", 1, "120000000.00"),
        (0, 1, "0.00"),
    ],
)
def test_it_reads_amounts(raw, unit, amount):
    assert cleaning.amount(raw, unit) == Decimal(amount)


@pytest.mark.parametrize("raw", ["abc", "-5", "1,2,3万x", True])
def test_it_refuses_what_is_not_an_amount(raw):
    with pytest.raises(cleaning.CellError):
        cleaning.amount(raw)


def test_it_bands_head_counts_into_sizes():
    options = {"micro": "micro"}
    assert cleaning.size("2822", options) == "enterprise"
    assert cleaning.size(15, options) == "micro"
    assert cleaning.size("micro", options) == "micro"


def test_it_reads_headers_with_units():
    assert header_norm("金额（万元）") == "金额"
    assert header_unit("金额（万元）") == 10_000
    assert header_unit("金额(元)") == 1
    assert header_unit("Amount") == 1
    assert header_norm(" Company Name ") == "companyname"


def test_it_guesses_columns_from_chinese_and_english_headers():
    headers = [
        "客户名称",
        "联系人",
        "手机",
        "E-mail",
        "行业",
        "金额(万元)",
        "阶段",
        "负责人",
        "备注",
    ]
    assert guess_mapping("deals", headers) == [
        "name",
        "contact_name",
        "phone",
        "email",
        "industry",
        "amount",
        "stage",
        "owner",
        "",
    ]
    # a saved mapping wins; a field goes to one column only
    assert guess_mapping("customers", ["公司", "备注"], saved={"备注": "pain_points"}) == [
        "name",
        "pain_points",
    ]
    assert guess_mapping("customers", ["公司名称", "客户名称"]) == ["name", ""]


def test_it_finds_the_header_below_title_rows():
    rows = [["2024年销售台账"], [], ["公司名称", "联系人", "手机"], ["华信", "张三", "138"]]
    assert detect_header("customers", rows) == 2
    # nothing known: the first filled row
    assert detect_header("customers", [[], ["a", "b"], ["c", "d"]]) == 1


def test_its_pinyin_keys_equal_the_apps():
    for text in ["华信科技(上海)有限公司", "重庆银行", "长沙银行行长", "ABC科技", "张三", ""]:
        assert pinyin_search_key(text) == core_key(text)


def test_the_mobile_shortcut_agrees_with_a_full_parse():
    """cleaning.phone skips the full libphonenumber parse for 11-digit Chinese mobiles; the
    answer must be the full parse's for every prefix (valid or not) and spelling."""
    import random

    import phonenumbers

    from salestrack.imports import cleaning

    def full(raw):
        try:
            number = phonenumbers.parse(raw, "CN")
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def fast(raw):
        try:
            return cleaning.phone(raw)
        except cleaning.CellError:
            return None

    rng = random.Random(7)
    numbers = [f"1{p:02d}{rng.randrange(10**8):08d}" for p in range(100)]
    numbers += ["1" + "".join(rng.choice("0123456789") for _ in range(10)) for _ in range(1000)]
    for raw in numbers:
        for spelled in (raw, f"+86{raw}", f"{raw[:3]} {raw[3:7]} {raw[7:]}", f"86-{raw}"):
            assert fast(spelled) == full(spelled), spelled
