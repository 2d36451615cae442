"""Punishment list: durations and the five-year cap, idempotent designation, the PUNISHED list kept in
step, appeals with decision records, automatic expiry — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from cards_helpers import valid_id
from sqlalchemy.orm import Session, sessionmaker

from qiandai.cards import punishment as pn
from qiandai.domain.errors import ConflictError, InvalidInputError
from qiandai.store.database import unit_of_work
from qiandai.transfers import repository
from qiandai.transfers.lists import ListKind

ID1 = valid_id("33010619900312123")
ID2 = valid_id("44030519950721345")


def _punished(factory: sessionmaker[Session]) -> set[str]:
    with unit_of_work(factory) as s:
        return {e.value for e in repository.list_entries(s, ListKind.PUNISHED)}


def _designate(
    s: Session, id_number: str = ID1, ref: str = "文书1", **over: object
) -> tuple[pn.PunishedPersonRow, bool]:
    d = {
        "id_number": id_number,
        "name": "陈某某",
        "accounts": ["6222600000001001"],
        "basis": pn.Basis.DESIGNATED,
        "document_ref": ref,
        "start_date": date(2025, 1, 10),
    }
    d.update(over)
    return pn.designate(s, pn.Designation(**d), actor="officer")  # type: ignore[arg-type]


def test_default_durations_by_basis_and_idempotent_designation(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        a, created = _designate(s)
        b, _ = _designate(s, ID2, "判决1", basis=pn.Basis.CONVICTED, accounts=["6222600000002001"])
        again, created_again = _designate(s)
    assert created and not created_again and again.id == a.id
    assert a.end_date == date(2027, 1, 9)  # 2 years designated
    assert b.end_date == date(2028, 1, 9)  # 3 years convicted
    assert _punished(factory) == {"6222600000001001", "6222600000002001"}
    with unit_of_work(factory) as s:
        assert [e.action for e in pn.events_of(s, a.id)] == ["designated"]


def test_consecutive_punishment_is_capped_at_five_years(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        _designate(s, basis=pn.Basis.CONVICTED)  # 2025-01-10 .. 2028-01-09
        second, _ = _designate(s, ref="判决2", basis=pn.Basis.CONVICTED, start_date=date(2028, 1, 10))
        events = pn.events_of(s, second.id)
    assert second.end_date == date(2030, 1, 9)  # not 2031: five consecutive years at most
    assert "累计不超过 5 年" in events[0].detail


def test_policy_is_configurable(factory: sessionmaker[Session]) -> None:
    policy = pn.PunishmentPolicy(designated_years=1, convicted_years=4, max_consecutive_years=5)
    with unit_of_work(factory) as s:
        p, _ = pn.designate(
            s,
            pn.Designation(ID1, "陈某某", [], pn.Basis.DESIGNATED, "X", date(2025, 2, 1)),
            actor="officer",
            policy=policy,
        )
    assert p.end_date == date(2026, 1, 31)


def test_bad_input_is_refused_in_chinese(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        with pytest.raises(InvalidInputError, match=r"身份证号 .* 无效：身份证号校验位错误"):
            _designate(s, ID1[:17] + ("0" if ID1[17] != "0" else "1"))
        with pytest.raises(InvalidInputError, match="惩戒期限应为 1–5 年"):
            _designate(s, years=6)
        with pytest.raises(InvalidInputError, match="账号格式错误"):
            _designate(s, accounts=["abc"])


def test_appeal_upheld_removes_the_person_and_withdraws_accounts(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        p, _ = _designate(s, accounts=["6222600000001001", "6222600000001002"])
        _designate(s, ID2, "文书2", accounts=["6222600000001002"])  # shared account stays listed
        appeal, created = pn.file_appeal(s, p.id, "账户被冒用开立", actor="teller")
        same, created_again = pn.file_appeal(s, p.id, "再次申诉", actor="teller")
    assert created and not created_again and same.id == appeal.id
    with unit_of_work(factory) as s:
        decided = pn.decide_appeal(s, appeal.id, upheld=True, note="经核查属实", actor="officer")
        assert decided.status == "upheld" and decided.decided_by == "officer"
        assert pn.get_person(s, p.id).status == "removed"
        assert pn.decide_appeal(s, appeal.id, upheld=True, note="重复", actor="officer").status == "upheld"
        with pytest.raises(ConflictError, match="不能改判"):
            pn.decide_appeal(s, appeal.id, upheld=False, note="改判", actor="officer")
        actions = [e.action for e in pn.events_of(s, p.id)]
    assert actions == ["designated", "appeal_filed", "appeal_decided"]
    assert _punished(factory) == {"6222600000001002"}


def test_rejected_appeal_keeps_the_entry(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        p, _ = _designate(s)
        appeal, _ = pn.file_appeal(s, p.id, "不服", actor="teller")
        pn.decide_appeal(s, appeal.id, upheld=False, note="证据确凿，维持", actor="officer")
        assert pn.get_person(s, p.id).status == "active"
    assert _punished(factory) == {"6222600000001001"}


def test_expiry_withdraws_accounts_once(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        p, _ = _designate(s)
        pn.add_accounts(s, p.id, ["6222600000001003"], actor="officer")
        assert pn.expire_due(s, today=date(2027, 1, 9)) == []  # last day still punished
    with unit_of_work(factory) as s:
        assert pn.expire_due(s, today=date(2027, 1, 10)) == [p.id]
        assert pn.expire_due(s, today=date(2027, 1, 10)) == []
        assert pn.get_person(s, p.id).status == "expired"
        assert pn.events_of(s, p.id)[-1].action == "expired"
        with pytest.raises(ConflictError):
            pn.file_appeal(s, p.id, "x", actor="teller")
    assert _punished(factory) == set()


def test_views_are_masked(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        p, _ = _designate(s)
        view = pn.person_view(p)
    assert view["id_number"] == ID1[:3] + "*" * 11 + ID1[-4:]
    assert view["name"] == "陈**" and view["accounts"] == ["************1001"]
    measures = view["measures"]
    assert isinstance(measures, list) and "非柜面" in measures[0]
