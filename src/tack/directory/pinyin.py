"""Search and sort keys from names: 张三 → "zhangsan zs", so people are found as DingTalk finds them."""

from functools import lru_cache


@lru_cache(maxsize=65536)
def search_keys(name: str) -> str:
    """Full pinyin and initials of the name, lower case, separated by a space."""
    # Imported on first use: pypinyin's phrase dictionaries take ~55 MB, which a server that
    # only reads the directory (keys are stored with each member) never needs.
    from pypinyin import Style, lazy_pinyin

    syllables = [s.lower() for s in lazy_pinyin(name, errors="default") if s.strip()]
    initials = [s[0] for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default") if s.strip()]
    return f"{''.join(syllables)} {''.join(initials).lower()}"


def sort_key(name: str) -> str:
    """Orders Chinese and Latin names together by their pinyin, as a phone's contact list does."""
    return search_keys(name).split(" ")[0][:200] + " " + name
