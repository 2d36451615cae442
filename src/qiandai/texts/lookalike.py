"""Lookalike helpers: a homoglyph skeleton and a bounded Damerau-Levenshtein (OSA) distance."""

from __future__ import annotations

_GLYPHS = {
    "0": "o",
    "1": "l",
    "i": "l",
    "|": "l",
    "5": "s",
    "$": "s",
    "@": "a",
    "3": "e",
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "і": "l",
    "ӏ": "l",
    "ѕ": "s",
    "ԁ": "d",
    "ɡ": "g",
    "ο": "o",
    "α": "a",
    "ν": "v",
    "κ": "k",
    "ı": "l",
    "ɩ": "l",
}
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def skeleton(label: str) -> str:
    """Map characters that look alike to one representative (``a1ipay`` and ``аlipay`` → ``allpay``)."""
    out = "".join(_GLYPHS.get(c, c) for c in label.lower())
    for a, b in _PAIRS:
        out = out.replace(a, b)
    return out


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance of ``a`` and ``b``; any value above ``limit`` is ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)
