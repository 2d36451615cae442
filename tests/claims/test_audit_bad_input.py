"""Bad rows are quarantined with reasons and the audit goes on with the good rows; bad files stop it."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from qiandai.cli.main import app
from qiandai.datagen.claims import generate_claims
from qiandai.knowledge import KnowledgeBase

runner = CliRunner()


@pytest.fixture(scope="module")
def csv_data(tmp_path_factory: pytest.TempPathFactory, qiandai_home: Path) -> Path:
    data = tmp_path_factory.mktemp("claims-csv")
    generate_claims(data, visits=1500, seed=5, kb=KnowledgeBase.open(qiandai_home / "kb.duckdb"), fmt="csv")
    return data


def _rewrite(path: Path, edit: dict[int, dict[str, str]]) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for index, changes in edit.items():
        rows[index].update(changes)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def test_bad_rows_are_quarantined_and_good_rows_audited(csv_data: Path, tmp_path: Path) -> None:
    fee_rows = _rewrite(
        csv_data / "FEE_LIST_D.csv",
        {
            3: {"fee_ocur_time": "2025-13-45 08:00:00"},
            5: {"cnt": "-2"},
            7: {"mdtrt_id": "NO-SUCH-VISIT"},
        },
    )
    _rewrite(csv_data / "MDTRT_D.csv", {2: {"certno": "110101199001011230"}})
    out = tmp_path / "out"
    result = runner.invoke(app, ["claims", "audit", str(csv_data), "--out", str(out), "--no-xlsx"])
    assert result.exit_code == 0, result.output

    quarantine = pq.read_table(out / "quarantine" / "quarantine.parquet").to_pylist()
    reasons = {(q["table"], q["field"]): q["reason"] for q in quarantine}
    assert "日期" in reasons[("FEE_LIST_D", "fee_ocur_time")]
    assert "负数" in reasons[("FEE_LIST_D", "cnt")]
    assert "就诊记录不存在" in reasons[("FEE_LIST_D", "mdtrt_id")]
    assert "校验位" in reasons[("MDTRT_D", "certno")]
    assert all("110101199001011230" not in (q["value"] or "") for q in quarantine)

    manifest_findings = pq.read_table(out / "suspects.parquet").num_rows
    assert manifest_findings > 0
    assert "隔离" in result.output
    assert str(fee_rows) in result.output.replace(",", "")


def test_missing_required_column_names_the_file(csv_data: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for src in csv_data.iterdir():
        text = src.read_text(encoding="utf-8-sig") if src.suffix == ".csv" else None
        if text is None:
            continue
        if src.name == "FEE_LIST_D.csv":
            text = text.replace("fee_ocur_time", "fee_time", 1)
        (broken / src.name).write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["claims", "audit", str(broken), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "FEE_LIST_D.csv" in result.output and "fee_ocur_time" in result.output
