"""`seed_demo_units_installs` writes the demo county and campaign once; a second call adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from qiandai.governance import installs, spotcheck, units
from qiandai.governance.demo_units import PLAN, seed_demo_units_installs
from qiandai.governance.models import Install, RosterImport, RosterProblem
from qiandai.identity import service
from qiandai.store.database import make_engine, session_factory, unit_of_work


def test_demo_seed_is_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    factory = session_factory(engine)
    first = seed_demo_units_installs(factory)
    total = sum(a + b for a, b in PLAN.values()) + 3
    assert first[0] == "反诈治理单位：新增 14 个，账号新增 3 个"
    assert first[1] == f"反诈App安装花名册：新增安装 {total} 人（补报表含 5 行问题）"
    second = seed_demo_units_installs(factory)
    assert second[0] == "反诈治理单位：新增 0 个，账号新增 0 个"
    assert second[1].startswith("反诈App安装花名册：新增安装 0 人")
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count(Install.id))) == total
        assert (
            s.scalar(select(func.count(RosterImport.id)))
            == len([n for p in PLAN.values() for n in p if n]) + 1
        )
        assert s.scalar(select(func.count(RosterProblem.id))) == 5
        village = service.user_principal(s, "gov_village")
        assert village is not None
        assert units.scope_units(s, village) == {"V0101"}
        rates = {r.code: r for r in installs.unit_rates(s, village)}
        assert list(rates) == ["V0101"] and rates["V0101"].installed == 300 + 3
        fals = {f.code: f for f in spotcheck.falsification(s, village)}
        assert fals["V0101"].rate is not None and abs(fals["V0101"].rate - 2 / 8) < 1e-9
    engine.dispose()
