"""Account-opening check: the five steps and their answers, stored and idempotent (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from cards_helpers import valid_id
from sqlalchemy.orm import Session, sessionmaker

from qiandai.cards import opening, punishment
from qiandai.cards.opening import ALLOW, REFUSE, VERIFY, OpeningPolicy, OpeningRequest, RealName
from qiandai.store.database import unit_of_work
from qiandai.transfers import repository
from qiandai.transfers.lists import ListKind

ID = valid_id("33010219920215234")
PHONE = "13800001234"


def _seed(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        opening.add_realnames(s, [(PHONE, ID, "林某某")])


def _check(factory: sessionmaker[Session], **over: str) -> opening.AccountOpeningRow:
    base = {"id_number": ID, "name": "林某某", "phone": PHONE, "purpose": "工资代发", "bank": "农业银行"}
    base.update(over)
    with unit_of_work(factory) as s:
        row, _ = opening.check(s, OpeningRequest(**base), actor="teller")
        return row


def _step(row: opening.AccountOpeningRow, name: str) -> dict[str, str]:
    return next(s for s in row.steps if s["step"] == name)


def test_a_clean_applicant_is_allowed(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    row = _check(factory)
    assert row.outcome == ALLOW and row.reasons == ["五项核验均通过"]
    assert [s["step"] for s in row.steps] == ["身份核验", "名单核查", "手机号实名", "账户数量", "开户用途"]


def test_invalid_id_number_is_refused(factory: sessionmaker[Session]) -> None:
    row = _check(factory, id_number=ID[:17] + ("1" if ID[17] != "1" else "2"))
    assert row.outcome == REFUSE
    assert "身份证号无效：身份证号校验位错误" in row.reasons[0]


def test_punished_person_is_refused(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    with unit_of_work(factory) as s:
        punishment.designate(
            s,
            punishment.Designation(
                ID, "林某某", [], punishment.Basis.DESIGNATED, "D1", punishment.today_local()
            ),
            actor="officer",
        )
    row = _check(factory)
    assert row.outcome == REFUSE and "惩戒期内不得新开账户" in _step(row, "名单核查")["reason"]


def test_phone_owned_by_someone_else_needs_counter_verification(factory: sessionmaker[Session]) -> None:
    other = valid_id("11010519881105567")
    with unit_of_work(factory) as s:
        opening.add_realnames(s, [(PHONE, other, "赵某某")])
    row = _check(factory)
    assert row.outcome == VERIFY and "人卡分离" in _step(row, "手机号实名")["reason"]
    assert "赵**" in _step(row, "手机号实名")["reason"]


def test_unknown_phone_and_outer_edge_lookup(factory: sessionmaker[Session]) -> None:
    assert _check(factory).outcome == VERIFY  # the carrier has no record

    class Carrier:
        def owner(self, phone: str) -> RealName | None:
            return RealName(ID, "林某某") if phone == PHONE else None

    with unit_of_work(factory) as s:
        row, _ = opening.check(
            s, OpeningRequest(ID, "林某某", PHONE, "工资代发", "农业银行"), actor="t", carrier=Carrier()
        )
    assert row.outcome == ALLOW


def test_account_caps(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    with unit_of_work(factory) as s:
        opening.add_holdings(s, [("6222000000000001", ID, "农业银行"), ("6222000000000002", ID, "工商银行")])
    row = _check(factory)
    assert row.outcome == REFUSE and "已在本行持有 1 个账户" in _step(row, "账户数量")["reason"]
    assert _check(factory, bank="建设银行").outcome == ALLOW
    with unit_of_work(factory) as s:
        row2, _ = opening.check(
            s,
            OpeningRequest(ID, "林某某", PHONE, "工资代发", "建设银行"),
            actor="t",
            policy=OpeningPolicy(per_bank_cap=1, total_cap=2),
        )
    assert row2.outcome == VERIFY and "共持有 2 个账户" in _step(row2, "账户数量")["reason"]


def test_listed_accounts_and_phone(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    with unit_of_work(factory) as s:
        opening.add_holdings(s, [("6222000000000009", ID, "工商银行")])
        repository.add_list_entries(s, ListKind.RISK_ACCOUNT, ["6222000000000009"], "断卡筛查", "")
    row = _check(factory)
    assert row.outcome == VERIFY and "高风险账户" in _step(row, "名单核查")["reason"]
    with unit_of_work(factory) as s:
        repository.add_list_entries(s, ListKind.CASE_ACCOUNT, ["6222000000000009"], "公安", "")
    assert _check(factory).outcome == REFUSE


def test_purpose(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    assert _check(factory, purpose="帮朋友代收货款").outcome == REFUSE
    assert _check(factory, purpose="").outcome == VERIFY
    assert _check(factory, purpose="想多开一张").outcome == VERIFY


def test_request_id_makes_the_check_idempotent(factory: sessionmaker[Session]) -> None:
    _seed(factory)
    first = _check(factory, request_id="REQ-1")
    with unit_of_work(factory) as s:
        punishment.designate(
            s,
            punishment.Designation(ID, "林某某", [], punishment.Basis.DESIGNATED, "D2", date(2025, 1, 1)),
            actor="officer",
        )
    again = _check(factory, request_id="REQ-1")
    assert again.id == first.id and again.outcome == first.outcome == ALLOW
    view = opening.view(again)
    assert ID not in str(view) and PHONE not in str(view)
