"""`qiandai demo`: generate data, audit it, evaluate the result, and say where everything is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qiandai import settings
from qiandai.cards.demo import seed_demo_cards
from qiandai.claims.evaluate import evaluate, render_evaluation
from qiandai.cli.claims import audit_folder
from qiandai.cli.common import console, user_errors
from qiandai.datagen.cdr import seed_demo_simcards
from qiandai.datagen.claims import generate_claims
from qiandai.governance.demo_stats import seed_demo_stats
from qiandai.governance.demo_units import USERS as GOVERNANCE_USERS
from qiandai.governance.demo_units import seed_demo_units_installs
from qiandai.knowledge import KnowledgeBase
from qiandai.store.database import database_url, make_engine, session_factory
from qiandai.store.migrate import upgrade
from qiandai.supervision.demo import DEMO_PASSWORDS, seed_demo_month
from qiandai.transfers.demo import USERS as ANTIFRAUD_USERS
from qiandai.transfers.demo import seed_demo_antifraud


def demo(
    out: Annotated[Path, typer.Option("--out", help="演示输出目录")] = Path("demo-output"),
    visits: Annotated[int, typer.Option("--visits", help="合成就诊次数")] = 30000,
    seed: Annotated[int, typer.Option("--seed")] = 20251123,
) -> None:
    """演示：生成合成医保数据 → 智能审核 → 对照标注评估 → 显示输出位置。"""
    with user_errors():
        data = out / "claims-data"
        audit_out = out / "claims-audit"
        kb = KnowledgeBase.open(settings.knowledge_base_path())
        with console.status(f"生成合成数据（{visits:,} 次就诊）…"):
            report = generate_claims(data, visits=visits, seed=seed, kb=kb)
        for line in report.summary_lines():
            console.print(line)
        audit_folder(data, audit_out)
        result = evaluate(audit_out, data / "ground_truth.parquet")
        render_evaluation(result, console)
        upgrade()
        with console.status("写入一个月的监管工作（审核、处理、整改、举报、双随机）…"):
            lines = seed_demo_month(session_factory(make_engine()), audit_out)
        factory = session_factory(make_engine())
        lines += seed_demo_antifraud(factory)
        with console.status("写入断卡筛查、惩戒名单与反诈治理演示数据…"):
            lines += seed_demo_cards(factory)
            lines += seed_demo_simcards(factory, out)
            lines += seed_demo_units_installs(factory)
            lines += seed_demo_stats(factory)
        for line in lines:
            console.print(line)
    console.print("\n[bold]演示输出[/]")
    console.print(f"  合成数据：{data}")
    console.print(f"  疑点明细：{audit_out / 'suspects.xlsx'}（Excel，中文表头，按规则分表）")
    console.print(f"  疑点数据：{audit_out / 'suspects.parquet'}")
    console.print(f"  隔离数据：{audit_out / 'quarantine' / 'quarantine.csv'}")
    console.print(f"  标注数据：{data / 'ground_truth.parquet'}")
    console.print(f"  监管数据库：{database_url()}")
    accounts = [*DEMO_PASSWORDS, *ANTIFRAUD_USERS, *GOVERNANCE_USERS]
    console.print("  演示账号（密码均为 qiandai-demo-2025）：" + "、".join(accounts))
    console.print("  启动服务：.venv/bin/qiandai serve  → http://127.0.0.1:8000/docs")
