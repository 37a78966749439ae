"""Company names compared as people mean them: one key per company, whatever the spelling.

`company_key("华信科技（上海）有限公司") == company_key("华信科技股份有限公司") == "华信科技"`.
Used wherever customers are matched by name (imports' de-duplication, the duplicate finder).
"""

import re
import unicodedata

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
        for suffix in LEGAL_SUFFIXES:
            if compact.endswith(suffix) and len(compact) > len(suffix):
                stripped = compact[: -len(suffix)]
                break
        else:
            break
    key = _NOISE.sub("", stripped)
    return key or _NOISE.sub("", text)
