"""Seed a QIANDAI_HOME for the SIM-card browser test (run in a subprocess with QIANDAI_HOME and
QIANDAI_DATABASE_URL set): migrations, a carrier security officer (antifraud role), a bank teller,
and the SIM-card demo run."""

from __future__ import annotations

import sys
from pathlib import Path

from qiandai.datagen.cdr import seed_demo_simcards
from qiandai.identity import service
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.store.migrate import upgrade

PASSWORD = "qiandai-demo-2025"
USERS = {"carrier": ("运营商安全专员周静", "antifraud", "330100"), "bank": ("银行柜员孙丽", "bank", "330100")}


def main(home: Path) -> None:
    upgrade()
    factory = session_factory(make_engine())
    with unit_of_work(factory) as session:
        for username, (name, role, region) in USERS.items():
            service.create_user(
                session,
                username=username,
                password=PASSWORD,
                display_name=name,
                roles=role,
                region_code=region,
            )
    for line in seed_demo_simcards(factory, home / "demo"):
        print(line)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
