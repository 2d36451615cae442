"""Demo data of the card crackdown (断卡) pages: punished persons with one pending appeal, a screening run
over a small synthetic transfer set (its 高 accounts published), carrier real-name records, accounts
already held, and three account-opening checks. Idempotent: running it again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qiandai.cards import opening, punishment, runs, synth
from qiandai.cards.models import ScreeningRunRow
from qiandai.domain.idcard import check_char
from qiandai.store.database import unit_of_work

DEMO_SOURCE = "演示数据"
ACTOR = "demo"


def demo_id(first17: str) -> str:
    """A valid 18-character ID number from its first 17 digits (demo persons only)."""
    return first17 + check_char(first17)


PERSONS = (
    (demo_id("33010619900312123"), "陈某某", ["6222600000001001", "6222600000001002"],
     punishment.Basis.DESIGNATED, "杭公(反诈)惩字〔2025〕11号", 200),
    (demo_id("44030519950721345"), "黄某某", ["6222600000002001"], punishment.Basis.CONVICTED,
     "(2025)浙0106刑初88号", 400),
    (demo_id("11010519881105567"), "赵某某", ["6222600000003001"], punishment.Basis.DESIGNATED,
     "京公(反诈)惩字〔2025〕3号", 30),
)  # fmt: skip
CLEAN_ID = demo_id("33010219920215234")
CLEAN_PHONE = "13800001234"


def seed_demo_cards(factory: sessionmaker[Session]) -> list[str]:
    """Seed the demo data (see the module docstring); returns Chinese summary lines."""
    lines: list[str] = []
    today = punishment.today_local()
    with unit_of_work(factory) as session:
        created = 0
        first = None
        for id_number, name, accounts, basis, ref, days_ago in PERSONS:
            person, new = punishment.designate(
                session,
                punishment.Designation(
                    id_number,
                    name,
                    accounts,
                    basis,
                    ref,
                    today - timedelta(days=days_ago),
                    None,
                    "杭州市公安局反诈中心",
                ),
                actor=ACTOR,
            )
            created += int(new)
            first = first or person
        assert first is not None
        _, appeal_new = punishment.file_appeal(
            session, first.id, "本人银行卡系被他人冒用开立，已向公安机关报案，请求移出惩戒名单", actor=ACTOR
        )
        lines.append(f"惩戒名单：新增 {created} 人；申诉：新增 {int(appeal_new)} 件")
        opening.add_realnames(session, [(CLEAN_PHONE, CLEAN_ID, "林某某")])
        opening.add_holdings(session, [("6222600000009001", CLEAN_ID, "工商银行")])
    with unit_of_work(factory) as session:
        done = session.scalars(select(ScreeningRunRow).where(ScreeningRunRow.source == DEMO_SOURCE)).first()
        if done is None:
            frame, _ = synth.generate(6000, accounts=600, gangs=2, seed=11)
            outcome = runs.run_and_store(session, frame=frame, publish=True)
            run = session.get(ScreeningRunRow, outcome.run_id)
            assert run is not None
            run.source = DEMO_SOURCE
            lines.append(
                f"断卡筛查：批次 {outcome.run_id}，高风险 {outcome.result.count('高')} 个"
                "（已发布到高风险账户名单）"
            )
        else:
            lines.append(f"断卡筛查：已有演示批次 {done.id}")
    with unit_of_work(factory) as session:
        for rid, id_number, name, phone, purpose, bank in (
            ("DEMO-OPEN-1", CLEAN_ID, "林某某", CLEAN_PHONE, "工资代发", "农业银行"),
            ("DEMO-OPEN-2", PERSONS[0][0], "陈某某", "13900005678", "日常消费", "农业银行"),
            ("DEMO-OPEN-3", CLEAN_ID, "林某某", CLEAN_PHONE, "帮朋友代收货款", "建设银行"),
        ):
            opening.check(
                session,
                opening.OpeningRequest(id_number, name, phone, purpose, bank, request_id=rid),
                actor=ACTOR,
            )
        lines.append("开户核验：演示记录 3 条")
    return lines
