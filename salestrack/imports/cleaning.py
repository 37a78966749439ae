"""Turn raw cells into field values; each function raises CellError with a translated reason."""

import datetime
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def normalize_text(value: str) -> str:
    """Trim, full-width → half-width (NFKC) and collapse runs of white space."""
    return " ".join(unicodedata.normalize("NFKC", value or "").split())


EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ tT].*)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_AMOUNT_UNITS = (("亿元", 100_000_000), ("亿", 100_000_000), ("万元", 10_000), ("万", 10_000))
_CURRENCY = re.compile(r"(?i)^(?:¥|￥|rmb|cny)|(?:元|rmb|cny)$")
CENTS = Decimal("0.01")


class CellError(ValueError):
    """A cell that cannot become a value of its field; `message` says why (translated)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def text(value) -> str:
    """A cell as trimmed, half-width text; 13812345678.0 (a number cell) as '13812345678'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return normalize_text(str(value))


_CN_MOBILE = re.compile(r"^(?:\+?86)?(1\d{10})$")


@functools.lru_cache(maxsize=20_000)
def _cn_mobile_valid(prefix: str) -> bool:
    """Whether Chinese mobile numbers starting with these 6 digits are valid: libphonenumber's
    CN mobile patterns are fixed-length (11) and decided by at most the first 5 digits."""
    number = phonenumbers.parse(prefix + "00000", "CN")
    return phonenumbers.is_valid_number(number)


def phone(value, region: str = "CN") -> str:
    """One canonical form: E.164 ('+8613812345678'), from '138 1234 5678', '+86-138…', '021-…'."""
    raw = text(value)
    if not raw:
        return ""
    if region == "CN":  # the common case, without a full parse per cell
        mobile = _CN_MOBILE.match(raw.replace(" ", "").replace("-", ""))
        if mobile:
            if not _cn_mobile_valid(mobile[1][:6]):
                raise CellError(_("not a phone number"))
            return "+86" + mobile[1]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise CellError(_("not a phone number")) from exc
    if not phonenumbers.is_valid_number(number):
        raise CellError(_("not a phone number"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def canonical_phone(raw: str, region: str = "CN") -> str:
    """The canonical form of a stored phone, or '' when it is not a valid number."""
    try:
        return phone(raw, region)
    except CellError:
        return ""


def email(value) -> str:
    raw = text(value).lower()
    if not raw:
        return ""
    try:
        validate_email(raw)
    except ValidationError as exc:
        raise CellError(_("not an e-mail address")) from exc
    return raw


def date(value) -> datetime.date | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305, date cells, Excel serial numbers."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value)
    raw = text(value)
    if not raw:
        return None
    match = _DATE_YMD.match(raw) or _DATE_COMPACT.match(raw)
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError as exc:
            raise CellError(_("not a date")) from exc
    try:
        return _serial(float(raw))
    except ValueError:
        pass
    raise CellError(_("not a date"))


_TIME = re.compile(r"(\d{1,2})[:时](\d{2})(?:[:分](\d{2}))?")


def moment(value) -> datetime.datetime | None:
    """A date and time in the site's time zone: datetime cells as they are, '2024-03-05 14:30'
    with its time, a date alone (any form `date` reads) at noon."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        result = value
    else:
        day_part, time_part = value, ""
        if isinstance(value, str):
            day_part, _sep, time_part = text(value).partition(" ")
        day = date(day_part)
        if day is None:
            return None
        hour, minute, second = 12, 0, 0
        match = _TIME.search(time_part)
        if match:
            hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
            if hour > 23 or minute > 59 or second > 59:
                raise CellError(_("not a time"))
        result = datetime.datetime.combine(day, datetime.time(hour, minute, second))
    if timezone.is_naive(result):
        result = timezone.make_aware(result)
    return result


def _serial(number: float) -> datetime.date:
    """An Excel serial date (days since 1899-12-30, 1900 date system); 1900–2200 only."""
    if not 1 <= number < 110_000:
        raise CellError(_("not a date"))
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def amount(value, unit: int = 1) -> Decimal | None:
    """'1,234.5', '¥1,234', '12.5万', '3万元', '1200元' → CNY with 2 places; `unit` applies to
    plain numbers (the header's unit: 金额(万元) → 10000); a unit in the cell wins."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("not an amount"))
    multiplier = unit
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        raw = text(value).replace(",", "").replace(" ", "")
        if not raw:
            return None
        explicit = 0
        for suffix, factor in _AMOUNT_UNITS:
            if raw.endswith(suffix):
                raw, explicit = raw[: -len(suffix)], factor
                break
        stripped = _CURRENCY.sub("", raw)
        if not explicit and stripped != raw:
            explicit = 1  # '1200元', '¥1200': yuan, whatever the header says
        raw, multiplier = stripped, explicit or unit
        try:
            number = Decimal(raw)
        except InvalidOperation as exc:
            raise CellError(_("not an amount")) from exc
    if not number.is_finite():
        raise CellError(_("not an amount"))
    if number < 0:
        raise CellError(_("must not be negative"))
    result = (number * multiplier).quantize(CENTS)
    if result >= Decimal("1e14"):
        raise CellError(_("too large"))
    return result


def choice(value, options: dict[str, str]) -> str:
    """The stored value for a cell naming a choice by value or label (either language)."""
    raw = text(value)
    if not raw:
        return ""
    key = choice_key(raw)
    if key in options:
        return options[key]
    raise CellError(_("unknown value"))


def choice_key(raw: str) -> str:
    return re.sub(r"[\s_\-]+", "", normalize_text(raw).casefold())


SIZE_BOUNDS = ((20, "micro"), (100, "small"), (500, "medium"), (2000, "large"))


def size(value, options: dict[str, str]) -> str:
    """A size choice, or a head count turned into its band (2822 → enterprise)."""
    raw = text(value)
    if not raw:
        return ""
    try:
        count = int(Decimal(raw.replace(",", "")))
    except InvalidOperation:
        return choice(raw, options)
    if count < 0:
        raise CellError(_("must not be negative"))
    return next((band for bound, band in SIZE_BOUNDS if count <= bound), "enterprise")


def limited(value: str, max_length: int | None) -> str:
    if max_length and len(value) > max_length:
        raise CellError(_("longer than %(n)d characters") % {"n": max_length})
    return value
