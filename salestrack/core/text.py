from pypinyin import Style, lazy_pinyin


def pinyin_search_key(text: str) -> str:
    """'华信科技' -> 'hxkj huaxinkeji 华信科技': initials, full pinyin and the text, lower-case."""
    text = (text or "").strip()
    if not text:
        return ""
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore"))
    full = "".join(lazy_pinyin(text, errors="ignore"))
    return f"{initials} {full} {text}".lower()
