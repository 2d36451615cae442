"""Scope rules (one helper for every repository) and the access log of unmasked views."""

from __future__ import annotations

import pytest
from sqlalchemy import String, column, select, table
from sqlalchemy.orm import Session, sessionmaker

from qiandai.domain.errors import NotFoundError
from qiandai.identity import Principal, Role, service
from qiandai.identity.principal import region_prefix
from qiandai.identity.scope import ensure_in_scope, scope_clause
from qiandai.store.database import unit_of_work

CITY = Principal(1, "a", "甲", frozenset({Role.AUDITOR}), region_code="330100")
DISTRICT = Principal(2, "b", "乙", frozenset({Role.AUDITOR}), region_code="330102")
INST = Principal(3, "c", "丙", frozenset({Role.INSTITUTION}), region_code="330102", institution_code="H1")
NATION = Principal(4, "d", "丁", frozenset({Role.ADMIN}))


def test_region_prefix() -> None:
    assert region_prefix("330100") == "3301"
    assert region_prefix("330000") == "33"
    assert region_prefix("330102") == "330102"


@pytest.mark.parametrize(
    ("who", "region", "inst", "visible"),
    [
        (CITY, "330102", "H2", True),
        (CITY, "320102", "H2", False),
        (DISTRICT, "330105", "H2", False),
        (INST, "330102", "H1", True),
        (INST, "330102", "H2", False),
        (NATION, "110101", None, True),
    ],
)
def test_ensure_in_scope(who: Principal, region: str, inst: str | None, visible: bool) -> None:
    if visible:
        ensure_in_scope(who, region_code=region, institution_code=inst)
    else:
        with pytest.raises(NotFoundError):
            ensure_in_scope(who, region_code=region, institution_code=inst)


def test_scope_clause_compiles_to_prefix_and_equality() -> None:
    t = table("t", column("region", String), column("inst", String))
    city = str(select(t).where(scope_clause(CITY, region_col=t.c.region, institution_col=t.c.inst)))
    assert "LIKE" in city
    inst = select(t).where(scope_clause(INST, region_col=t.c.region, institution_col=t.c.inst))
    assert "inst =" in str(inst)
    no_inst_col = select(t).where(scope_clause(INST, region_col=t.c.region))
    assert "false" in str(no_inst_col).lower() or "0 = 1" in str(no_inst_col)


def test_access_log_records_unmasked_views(factory: sessionmaker[Session], users: None) -> None:
    with unit_of_work(factory) as s:
        p = service.user_principal(s, "auditor")
        assert p is not None
        service.log_unmasked_view(s, p, "finding", 42, ["psn_no"], "核实参保人身份")
    with unit_of_work(factory) as s:
        [entry] = service.access_log(s)
        assert (entry.username, entry.subject_type, entry.subject_id) == ("auditor", "finding", "42")
        assert entry.fields == ["psn_no"] and entry.reason == "核实参保人身份"
        assert entry.at.tzinfo is not None
