"""Revision supervision_0002 upgrades a database that already holds cases, decisions and payments,
restores ``qd_meta``, and refuses to downgrade while person cases exist (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from qiandai.store.database import make_engine
from qiandai.store.migrate import downgrade, upgrade

ROWS = [
    "INSERT INTO sv_institution (code, name, kind, region_code, risk_score, agreement_status)"
    " VALUES ('H1', '医院', 'hospital', '330102', 0, 'active')",
    "INSERT INTO sv_case (id, case_no, subject_kind, institution_code, region_code, title, status,"
    " loss_amount, created_at, created_by) VALUES (1, 'YB1', 'institution', 'H1', '330102', '案',"
    " 'decided', 10, '2025-01-01 00:00:00', 'x')",
    "INSERT INTO sv_decision (case_id, idempotency_key, article, multiple, fine_base, fine_amount,"
    " recovery_amount, terminate_agreement, basis, decided_by, signed_by, decided_at) VALUES"
    " (1, 'k', '38', 1, 10, 10, 10, false, 'b', 'x', 'x', '2025-01-01 00:00:00')",
    "INSERT INTO sv_payment (case_id, institution_code, region_code, kind, amount, reference, paid_at,"
    " recorded_by) VALUES (1, 'H1', '330102', 'fine', 10, 'r', '2025-01-01 00:00:00', 'x')",
]


def _nullable(url: str, table: str) -> bool:
    engine = make_engine(url)
    try:
        return bool(
            {c["name"]: c["nullable"] for c in inspect(engine).get_columns(table)}["institution_code"]
        )
    finally:
        engine.dispose()


def test_upgrade_keeps_existing_cases_and_downgrade_guards_person_cases(database_url: str) -> None:
    downgrade(database_url, "supervision_0001")
    assert not _nullable(database_url, "sv_case")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        for sql in ROWS:
            conn.execute(text(sql))
    engine.dispose()

    upgrade(database_url)
    assert _nullable(database_url, "sv_case") and _nullable(database_url, "sv_payment")
    engine = make_engine(database_url)
    assert "qd_meta" in inspect(engine).get_table_names()  # dropped by supervision_0001, restored
    engine.dispose()
    engine = make_engine(database_url)
    with engine.begin() as conn:
        counts = [
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("sv_case", "sv_decision", "sv_payment")
        ]
        assert counts == [1, 1, 1]
        conn.execute(
            text(
                "INSERT INTO sv_case (id, case_no, subject_kind, region_code, psn_no, title, status,"
                " loss_amount,"
                " created_at, created_by) VALUES (2, 'YB2', 'person', '330102', 'P1', '案', 'open', 5,"
                " '2025-01-01 00:00:00', 'x')"
            )
        )
    engine.dispose()
    with pytest.raises(RuntimeError, match="不能降级"):
        downgrade(database_url, "supervision_0001")
