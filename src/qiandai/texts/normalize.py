"""Length-preserving normalisation of texts for matching.

Matching (red flags, entities, the classifier) runs on a normalised copy of the text: traditional
characters become simplified, full-width ASCII becomes half-width, the ideographic space becomes a space
and Latin letters become lower case. Every step maps ONE character to ONE character, so an offset in the
normalised text is the same offset in the original text: spans found on the copy index the original,
which is what the user sees and what is stored.

The traditional→simplified table is the single-character table of OpenCC (``TSCharacters``, first
candidate), read once from the installed ``opencc`` package; phrase-level conversions that change the
length are deliberately not used.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from qiandai.domain.errors import InvalidInputError

#: Longest text accepted for screening, in characters (a long case description fits; a book does not).
MAX_TEXT_CHARS = 20_000


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Full-width ASCII (！ to ～) → half-width; ideographic space → space.
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "
    table.update(_traditional_to_simplified())
    # OpenCC's first candidate for 帳 is 帐; accounts (账户) are what matters here.
    table[ord("帳")] = "账"
    table[ord("帐")] = "账"
    # Lower-case ASCII letters last (also applies to full-width letters after folding).
    for code, repl in list(table.items()):
        if "A" <= repl <= "Z":
            table[code] = repl.lower()
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    return table


def _traditional_to_simplified() -> dict[int, str]:
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a declared dependency
        return {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:  # pragma: no cover - broken installation: match without folding
        return {}
    for line in lines:
        key, _, values = line.partition("\t")
        first = values.split(" ")[0] if values else ""
        if len(key) == 1 and len(first) == 1 and key != first:
            table[ord(key)] = first
    return table


def normalize(text: str) -> str:
    """Return the matching form of ``text``; ``len(normalize(t)) == len(t)`` always holds."""
    return text.translate(_table())


def check_text(text: str | None, *, field: str = "文本", max_chars: int = MAX_TEXT_CHARS) -> str:
    """Return ``text`` if it can be screened, else raise :class:`InvalidInputError` in Chinese."""
    if text is None or not text.strip():
        raise InvalidInputError(f"{field}为空：请提供需要识别的短信、聊天记录、通话记录或案情描述")
    if len(text) > max_chars:
        raise InvalidInputError(f"{field}过长：共 {len(text)} 字，上限 {max_chars} 字；请拆分后分段提交")
    return text
