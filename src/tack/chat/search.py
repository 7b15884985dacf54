"""Tokens for message search that work for Chinese without spaces, on SQLite and PostgreSQL alike.

Why a token table rather than LIKE or a database full-text engine:

- `LIKE '%报销%'` is correct but reads every message of every conversation the user is in;
  a member of a busy 10,000-person group would scan millions of rows per search.
- PostgreSQL's tsvector has no Chinese parser by default and pg_trgm does not exist on
  SQLite; FTS5 does not exist on PostgreSQL. One portable scheme keeps one code path.
- So every message is cut into tokens stored in `chat_message_token` with an index on
  (org_id, token, conversation_id, message_id):
  - runs of CJK characters become overlapping bigrams (明天提交报销单 → 明天 天提 提交 交报
    报销 销单), the classic approach of Lucene's CJKAnalyzer; a run of one character is
    stored as that character;
  - runs of letters and digits become whole lower-case words (at most 32 characters), and
    a query word matches any stored word it is a prefix of (a range scan on the index).
- A query is cut the same way; candidates must carry every query token (an index lookup
  per token), and are then checked against the normalized text with LIKE so that bigrams
  that are present but not adjacent do not match. A query of a single CJK character has no
  bigram and falls back to LIKE within the user's conversations (rare and bounded by limit).
- The cost is roughly one index row per distinct character of a message; recalled messages
  lose their tokens.
"""

import re
import unicodedata

MAX_TOKEN = 32
MAX_TOKENS_PER_MESSAGE = 2000

# Han (incl. extension A and compatibility), kana, hangul: scripts written without spaces.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_RUN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


def normalize(text: str) -> str:
    """NFKC folds full-width letters and digits (ＡＢＣ１ → abc1); casefold lowers them."""
    return unicodedata.normalize("NFKC", text).casefold()


def _runs(normalized: str) -> list[tuple[bool, str]]:
    return [(bool(m.group(1)), m.group(0)) for m in _RUN.finditer(normalized)]


def message_tokens(normalized: str) -> set[str]:
    tokens: set[str] = set()
    for is_cjk, run in _runs(normalized):
        if is_cjk:
            if len(run) == 1:
                tokens.add(run)
            tokens.update(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.add(run[:MAX_TOKEN])
        if len(tokens) >= MAX_TOKENS_PER_MESSAGE:
            break
    return tokens


class QueryTokens:
    """What a search query needs: exact bigrams, word prefixes, and the LIKE pattern."""

    def __init__(self, query: str) -> None:
        self.normalized = normalize(query).strip()
        self.bigrams: set[str] = set()
        self.prefixes: set[str] = set()
        for is_cjk, run in _runs(self.normalized):
            if is_cjk:
                self.bigrams.update(run[i : i + 2] for i in range(len(run) - 1))
            else:
                self.prefixes.add(run[:MAX_TOKEN])

    @property
    def indexed(self) -> bool:
        return bool(self.bigrams or self.prefixes)

    @property
    def like_pattern(self) -> str:
        escaped = self.normalized.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with prefix (for a range scan)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
