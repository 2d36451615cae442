"""Importing audit runs: idempotent, all-or-nothing, institutions registered from codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from sv_helpers import INST_A, INST_B, PHARMACY, write_audit

from qiandai.domain.errors import InputFileError
from qiandai.identity import SYSTEM
from qiandai.store.database import unit_of_work
from qiandai.supervision import importer, institutions
from qiandai.supervision.models import Finding, Institution
from qiandai.supervision.repository import ScopedRepository


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(Finding)) or 0)


def test_reimport_adds_nothing(factory: sessionmaker[Session], audit_dir: Path) -> None:
    with unit_of_work(factory) as s:
        first = importer.import_run(ScopedRepository(s, SYSTEM), audit_dir)
    with unit_of_work(factory) as s:
        again = importer.import_run(ScopedRepository(s, SYSTEM), audit_dir)
    assert (first.imported, first.institutions, again.imported, again.already_imported) == (24, 4, 0, True)
    assert _count(factory) == 24
    with factory() as s:
        kinds = {i.code: (i.kind, i.region_code) for i in s.scalars(select(Institution))}
    assert kinds[INST_A] == ("hospital", "330102")
    assert kinds[INST_B] == ("clinic", "330105") and kinds[PHARMACY][0] == "pharmacy"


def test_interrupted_import_leaves_nothing(factory: sessionmaker[Session], audit_dir: Path) -> None:
    with pytest.raises(KeyboardInterrupt), unit_of_work(factory) as s:
        importer.import_run(ScopedRepository(s, SYSTEM), audit_dir)
        raise KeyboardInterrupt
    assert _count(factory) == 0
    with unit_of_work(factory) as s:
        assert importer.import_run(ScopedRepository(s, SYSTEM), audit_dir).imported == 24


def test_overlapping_run_skips_known_points(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with unit_of_work(factory) as s:
        importer.import_run(ScopedRepository(s, SYSTEM), write_audit(tmp_path / "a", run_id="RUN-A"))
        result = importer.import_run(ScopedRepository(s, SYSTEM), write_audit(tmp_path / "b", run_id="RUN-B"))
    assert result.imported == 24 and _count(factory) == 48


def test_bad_folder_and_register(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="不存在"):
        importer.read_run(tmp_path)
    register = tmp_path / "名册.csv"
    register.write_text(
        "机构编码,机构名称,机构类型,机构等级,行政区划,风险分\nH33010299999,测试医院,医院,三级甲等,330102,88.5\n"
    )
    with unit_of_work(factory) as s:
        repo = ScopedRepository(s, SYSTEM)
        for row in institutions.read_register(register):
            institutions.upsert(repo, row)
        inst = repo.get(Institution, "H33010299999", "机构")
        assert (inst.kind, str(inst.risk_score), inst.level) == ("hospital", "88.50", "三级甲等")
