from pypinyin import Style, lazy_pinyin


def name_initials(name: str) -> str:
    """张三 → 'zs'. Non-Chinese characters are kept lower-cased."""
    parts = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(p[:1] for p in parts if p).lower()[:20]
