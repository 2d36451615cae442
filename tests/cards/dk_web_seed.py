"""Seed a QIANDAI_HOME for the card-crackdown browser test (run in a subprocess with QIANDAI_DATABASE_URL
set): migrations, a police officer, a bank teller, and the demo data of ``seed_demo_cards``."""

from __future__ import annotations

from qiandai.cards.demo import seed_demo_cards
from qiandai.identity import service
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.store.migrate import upgrade

PASSWORD = "qiandai-demo-2025"


def main() -> None:
    upgrade()
    factory = session_factory(make_engine())
    with unit_of_work(factory) as s:
        for username, name, role in [("police", "反诈民警", "antifraud"), ("bank", "银行柜员", "bank")]:
            service.create_user(
                s, username=username, password=PASSWORD, display_name=name, roles=role, region_code="330100"
            )
    seed_demo_cards(factory)


if __name__ == "__main__":
    main()
