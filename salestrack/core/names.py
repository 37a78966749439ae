"""Company names compared as people mean them: one key per company, whatever the spelling.

`company_key("华信科技（上海）有限公司") == company_key("华信科技股份有限公司") == "华信科技"`.
Used wherever customers are matched by name (imports' de-duplication, the duplicate finder).
"""

import re
import unicodedata

from rapidfuzz import fuzz

# Bracketed parts, in half-width form after NFKC: a city or branch, e.g. (上海), [北京], 【杭州】.
_BRACKETED = re.compile(r"[(\[【〔<《][^)\]】〕>》]*[)\]】〕>》]")
# Legal forms at the end of a name, longest first; stripped repeatedly ("… 集团 有限公司").
LEGAL_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        (
            "股份有限公司",
            "有限责任公司",
            "股份公司",
            "有限公司",
            "责任公司",
            "总公司",
            "分公司",
            "公司",
            "集团",
            "co.,ltd.",
            "co.,ltd",
            "co.ltd.",
            "co.ltd",
            "co.",
            "co",
            "company",
            "corporation",
            "corp.",
            "corp",
            "limited",
            "ltd.",
            "ltd",
            "inc.",
            "inc",
            "llc",
            "gmbh",
        ),
        key=len,
        reverse=True,
    )
)
# What is left between words after the suffixes are gone: spaces and punctuation.
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def _ends_with(text: str, suffix: str) -> bool:
    """A Chinese suffix anywhere at the end; a Latin one only as a word ("tesco" keeps "co")."""
    if not text.endswith(suffix):
        return False
    if not suffix.isascii() or len(text) == len(suffix):
        return True
    return not text[-len(suffix) - 1].isalnum()


def company_key(name: str) -> str:
    """The comparable core of a company name: full width to half width (NFKC), lower case,
    bracketed parts (city prefixes like （上海）) dropped, legal suffixes (有限公司, 股份有限公司,
    Co., Ltd. …) stripped from the end, spaces and punctuation removed. '' for an empty name.

    A name that is nothing but a legal form keeps it (company_key("有限公司") == "有限公司"),
    so two such names still only match each other.
    """
    text = unicodedata.normalize("NFKC", name or "").lower().strip()
    text = _BRACKETED.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,.")
    stripped = text
    while True:
        compact = stripped.rstrip(" ,.")
        suffix = next((s for s in LEGAL_SUFFIXES if _ends_with(compact, s)), None)
        if suffix is None or suffix == compact:
            break
        stripped = compact[: -len(suffix)]
    key = _NOISE.sub("", stripped)
    return key or _NOISE.sub("", text)


def company_similarity(a: str, b: str) -> float:
    """How alike two company names are, 0–100, compared by their keys (rapidfuzz ratio):
    100 for two spellings of one company, e.g. 华信科技有限公司 and 华信科技股份有限公司."""
    key_a, key_b = company_key(a), company_key(b)
    if not key_a or not key_b:
        return 0.0
    return float(fuzz.ratio(key_a, key_b))


def company_block(key: str) -> tuple[str, int]:
    """The block a company key is filed under for fuzzy matching: its first character and
    its length (keys of very different lengths or first characters are never similar enough
    to be worth scoring)."""
    return key[0], len(key)


def company_block_range(key: str) -> tuple[str, int, int]:
    """The blocks that may hold keys similar to `key`: (first character, lowest length,
    highest length), lengths from 0.7× to 1/0.7× the key's (both inclusive)."""
    return key[0], max(int(len(key) * 0.7), 1), int(len(key) / 0.7) + 1


def company_numbers(key: str) -> str:
    """The digits of a company key, in order (a name with numbers is told apart by them: one
    digit more or less is another company or identifier, e.g. "公司1" / "公司10")."""
    return "".join(c for c in key if c.isdigit())
