from pypinyin import Style, lazy_pinyin

# Characters read differently as a surname than as a word: 单 shàn (not dān), 曾 zēng,
# 解 xiè, 仇 qiú, 区 ōu, 查 zhā, 朴 piáo, 盖 gě, 覃 qín, 缪 miào, 乐 yuè, 尉 yù, 翟 zhái,
# 种 chóng. pypinyin has no surname mode, so the first character of a name is looked up
# here first. (A data migration recomputed stored initials from this table: a change here
# needs another one.)
SURNAME_INITIALS = {
    "单": "s",
    "曾": "z",
    "解": "x",
    "仇": "q",
    "区": "o",
    "查": "z",
    "朴": "p",
    "盖": "g",
    "覃": "q",
    "缪": "m",
    "乐": "y",
    "尉": "y",
    "翟": "z",
    "种": "c",
}


def name_initials(name: str) -> str:
    """张三 → 'zs', 单伟 → 'sw'. Non-Chinese characters are kept lower-cased."""
    name = name or ""
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    if parts and name[:1] in SURNAME_INITIALS:
        parts[0] = SURNAME_INITIALS[name[0]]
    return "".join(p[:1] for p in parts if p).lower()[:20]
