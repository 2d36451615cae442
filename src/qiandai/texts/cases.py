"""A small store of reported cases with a reviewable fraud type, for statistics by type.

Flow: a case is added with the classifier's suggestion (type and confidence); a reviewer confirms or
changes the type (who and when are recorded). Statistics count CONFIRMED types only. Storage is one
SQLite file (``$QIANDAI_HOME/texts/cases.sqlite``, standard-library ``sqlite3``); every write is one
transaction. The supervision store (SQLAlchemy) may take these rows over later.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from qiandai.domain.errors import InvalidInputError, NotFoundError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    case_id INTEGER PRIMARY KEY AUTOINCREMENT,
    reported_at TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    suggested_type TEXT,
    suggested_confidence REAL,
    confirmed_type TEXT,
    reviewer TEXT,
    reviewed_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_confirmed ON cases (confirmed_type, reported_at);
"""
PERIODS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


@dataclass(frozen=True)
class CaseRecord:
    case_id: int
    reported_at: datetime
    channel: str
    text: str
    suggested_type: str | None
    suggested_confidence: float | None
    confirmed_type: str | None
    reviewer: str | None
    reviewed_at: datetime | None


class CaseStore:
    """Cases in one SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._tx() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path)
        try:
            with db:  # commit on success, roll back on error
                yield db
        finally:
            db.close()

    def add(
        self,
        text: str,
        reported_at: datetime,
        *,
        channel: str = "",
        suggested_type: str | None = None,
        suggested_confidence: float | None = None,
    ) -> int:
        """Store a case with the suggestion; returns its id."""
        if not text.strip():
            raise InvalidInputError("案情描述为空")
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO cases (reported_at, channel, text, suggested_type, suggested_confidence,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (reported_at.isoformat(), channel, text, suggested_type, suggested_confidence, _now()),
            )
            return int(cur.lastrowid or 0)

    def review(
        self, case_id: int, confirmed_type: str, reviewer: str, *, at: datetime | None = None
    ) -> CaseRecord:
        """Confirm or change the type of a case; a reviewed case can be reviewed again (last one counts)."""
        if not reviewer.strip():
            raise InvalidInputError("复核人不能为空")
        if not confirmed_type.strip():
            raise InvalidInputError("确认的诈骗类型不能为空")
        with self._tx() as db:
            cur = db.execute(
                "UPDATE cases SET confirmed_type = ?, reviewer = ?, reviewed_at = ? WHERE case_id = ?",
                (confirmed_type, reviewer, (at or datetime.now(UTC)).isoformat(), case_id),
            )
            if cur.rowcount != 1:
                raise NotFoundError(f"案件 {case_id} 不存在")
        return self.get(case_id)

    def get(self, case_id: int) -> CaseRecord:
        rows = self._select("WHERE case_id = ?", (case_id,))
        if not rows:
            raise NotFoundError(f"案件 {case_id} 不存在")
        return rows[0]

    def all_cases(self) -> list[CaseRecord]:
        return self._select("ORDER BY case_id", ())

    def counts_by_type(
        self, period: str = "month", start: datetime | None = None, end: datetime | None = None
    ) -> list[tuple[str, str, int]]:
        """``(period, confirmed type, count)`` rows for cases reported in ``[start, end)``, reviewed only."""
        if period not in PERIODS:
            raise InvalidInputError(f"统计周期 {period!r} 无效：可选 day、month、year")
        sql = (
            f"SELECT strftime('{PERIODS[period]}', reported_at) AS p, confirmed_type, COUNT(*) FROM cases"
            " WHERE confirmed_type IS NOT NULL AND reported_at >= ? AND reported_at < ?"
            " GROUP BY p, confirmed_type ORDER BY p, confirmed_type"
        )
        lo = start.isoformat() if start else "0000"
        hi = end.isoformat() if end else "9999"
        with self._tx() as db:
            return [(str(p), str(t), int(n)) for p, t, n in db.execute(sql, (lo, hi))]

    def _select(self, where: str, args: tuple[object, ...]) -> list[CaseRecord]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT case_id, reported_at, channel, text, suggested_type, suggested_confidence,"
                f" confirmed_type, reviewer, reviewed_at FROM cases {where}",
                args,
            ).fetchall()
        return [
            CaseRecord(
                r[0],
                datetime.fromisoformat(r[1]),
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                datetime.fromisoformat(r[8]) if r[8] else None,
            )
            for r in rows
        ]


def cases_path(home: Path) -> Path:
    return home / "texts" / "cases.sqlite"


def _now() -> str:
    return datetime.now(UTC).isoformat()
