"""The command line (import-run, users, draw, rate, export) and the demo month, on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qiandai.cli.supervision import app
from qiandai.identity import SYSTEM
from qiandai.store.database import unit_of_work
from qiandai.supervision.demo import seed_demo_month
from qiandai.supervision.repository import ScopedRepository

runner = CliRunner()


def test_cli_batch_operations(database_url: str, audit_dir: Path, tmp_path: Path) -> None:
    db = ["--db", database_url]
    r = runner.invoke(
        app,
        [
            "user",
            "add",
            "rev1",
            "--roles",
            "reviewer",
            "--password",
            "reviewer-pass",
            "--region",
            "330100",
            *db,
        ],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["user", "add", "rev1", "--roles", "reviewer", "--password", "reviewer-pass", *db])
    assert r.exit_code == 2 and "用户名已存在" in r.output
    r = runner.invoke(app, ["import-run", str(audit_dir), *db])
    assert r.exit_code == 0 and "新增疑点 24 个" in r.output, r.output
    r = runner.invoke(app, ["import-run", str(audit_dir), *db])
    assert "已导入过" in r.output
    for i, spec in enumerate(["医保", "医务", "医保", "医务"]):
        assert (
            runner.invoke(
                app, ["expert-add", f"专家{i}", "--speciality", spec, "--region", "330100", *db]
            ).exit_code
            == 0
        )
    r = runner.invoke(app, ["draw", "--count", "2", "--seed", "cli-seed", "--as", "rev1", *db])
    assert r.exit_code == 0 and "可复现：是" in r.output, r.output
    r = runner.invoke(app, ["draw", "--count", "99", "--seed", "x", "--as", "rev1", *db])
    assert r.exit_code == 2 and "超过候选机构数" in r.output
    assert runner.invoke(app, ["rate", "2025", *db]).exit_code == 0
    out = tmp_path / "名单.xlsx"
    assert runner.invoke(app, ["blacklist-export", str(out), *db]).exit_code == 0 and out.stat().st_size > 0


def test_demo_month_is_idempotent(factory: sessionmaker[Session], tmp_path: Path) -> None:
    from sv_helpers import write_audit

    audit = write_audit(tmp_path / "demo", per_institution=8)
    lines = seed_demo_month(factory, audit)
    assert "案件 2 件" in lines[-1]
    assert "已存在" in seed_demo_month(factory, audit)[-1]
    with unit_of_work(factory) as s:
        repo = ScopedRepository(s, SYSTEM)
        assert {c.status for c in repo.cases()} == {"decided"}
        assert any(r.escalation_level > 0 for r in repo.rectifications())
        assert repo.stage_counts()["first_review"] > 0


def test_cli_opens_a_person_case(database_url: str, audit_dir: Path) -> None:
    from decimal import Decimal

    from sqlalchemy import update
    from sv_helpers import PERSON_PSN, finding_key

    from qiandai.store.database import make_engine, session_factory
    from qiandai.supervision.models import Finding

    db = ["--db", database_url]
    add = ["user", "add", "rev2", "--roles", "reviewer", "--password", "reviewer-pass", "--region", "330100"]
    assert runner.invoke(app, [*add, *db]).exit_code == 0
    assert runner.invoke(app, ["import-run", str(audit_dir), *db]).exit_code == 0
    engine = make_engine(database_url)
    with unit_of_work(session_factory(engine)) as s:  # two confirmed points of one person, at A and B
        s.execute(
            update(Finding)
            .where(Finding.finding_id.in_([finding_key(4), finding_key(10)]))
            .values(psn_no=PERSON_PSN, stage="decision", confirmed_amount=Decimal("500.00"))
        )
    engine.dispose()
    person = ["open-person-case", PERSON_PSN, "--as", "rev2"]
    r = runner.invoke(app, [*person, "--name", "张三丰", *db])
    assert r.exit_code == 2 and "同时提供" in r.output
    r = runner.invoke(app, [*person, "--name", "张三丰", "--id-number", "330102198001011234", *db])
    assert r.exit_code == 0 and "疑点 2 个，损失 1000.00 元" in r.output, r.output
    r = runner.invoke(app, [*person, *db])
    assert r.exit_code == 2 and "没有待立案的疑点" in r.output
