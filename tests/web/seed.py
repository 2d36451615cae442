"""Seed a fresh QIANDAI_HOME for the browser tests (run in a subprocess with QIANDAI_HOME and
QIANDAI_DATABASE_URL set): ~3,000 synthetic visits, the claims audit, migrations, the demo month of
supervision work, and the personas of the anti-fraud pages (antifraud, bank, grid)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from qiandai import settings
from qiandai.claims.audit import run_audit
from qiandai.claims.rulesets import DEFAULT_RULE_SET, claims_rule_store
from qiandai.datagen.claims import generate_claims
from qiandai.identity import service
from qiandai.knowledge import KnowledgeBase
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.store.migrate import upgrade
from qiandai.supervision.demo import PASSWORD, seed_demo_month
from qiandai.web.runs_store import register

EXTRA_USERS = {
    "police": ("反诈中心民警刘洋", "antifraud", "330100"),
    "bank": ("银行柜员孙丽", "bank", "330100"),
    "grid": ("网格员吴强", "grid", "330106"),
}
GRID_UNIT = "GRID-330106"  # the grid worker's organisation is their warning unit


def main(home: Path) -> None:
    data, audit = home / "demo" / "claims-data", home / "demo" / "claims-audit"
    with KnowledgeBase.open(settings.knowledge_base_path()) as kb:
        generate_claims(data, visits=3000, seed=11, kb=kb)
        version = claims_rule_store(settings.rulesets_path()).get(DEFAULT_RULE_SET)
        run_audit(data, audit, version=version, knowledge=kb, write_xlsx=False)
    upgrade()
    factory = session_factory(make_engine())
    seed_demo_month(factory, audit)
    register(json.loads((audit / "run.json").read_text(encoding="utf-8"))["run_id"], audit, data)
    with unit_of_work(factory) as session:
        service.ensure_organisation(session, GRID_UNIT, "西湖区北山街道网格", "grid", "330106")
        for username, (name, role, region) in EXTRA_USERS.items():
            service.create_user(
                session,
                username=username,
                password=PASSWORD,
                display_name=name,
                roles=role,
                region_code=region,
                org_code=GRID_UNIT if role == "grid" else None,
            )
    try:
        from fz_seed import seed_transfers

        seed_transfers(factory)
    except ImportError:  # the transfer-protection module has not landed
        pass


if __name__ == "__main__":
    main(Path(sys.argv[1]))
