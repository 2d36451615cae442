"""Generated data → audit of the 进销存 and check-in rules → precision and recall per rule (≥ 0.95)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from qiandai.cli.claims_inputs import app as inputs_app
from qiandai.cli.main import app

RULES = (
    "stock_reconciliation",
    "stock_split_pack",
    "stock_goods_as_drug",
    "checkin_phantom_bed",
    "checkin_impostor",
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("stock-data")
    result = CliRunner().invoke(
        app, ["datagen", "claims", "--out", str(data), "--visits", "3000", "--seed", "5"]
    )
    assert result.exit_code == 0, result.output
    return data


def test_each_rule_meets_precision_and_recall(generated: Path, tmp_path: Path) -> None:
    args = [
        "claims",
        "audit",
        str(generated),
        "--out",
        str(tmp_path),
        "--rules",
        ",".join(RULES),
        "--no-xlsx",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    findings = pq.read_table(tmp_path / "suspects.parquet")
    truth = pq.read_table(generated / "ground_truth.parquet")
    for rule_id in RULES:  # keyed by rule_id: two rules share the class-43 code
        found = set(findings.filter(pc.equal(findings["rule_id"], rule_id))["mdtrt_id"].to_pylist())
        want = set(truth.filter(pc.equal(truth["rule_id"], rule_id))["mdtrt_id"].to_pylist())
        assert len(want) >= 25, rule_id
        tp = len(found & want)
        assert tp / len(found) >= 0.95 and tp / len(want) >= 0.95, (rule_id, tp, len(found), len(want))
    # Every finding names its institution, also the stock findings whose mdtrt_id is a STOCK:/sale key.
    assert findings.num_rows and findings["fixmedins_code"].null_count == 0
    stock = findings.filter(pc.starts_with(findings["mdtrt_id"], "STOCK:")).to_pylist()
    assert stock and all(r["mdtrt_id"].split(":")[1] == r["fixmedins_code"] for r in stock)
    assert all(r["fixmedins_name"] for r in stock)


def test_presence_command_writes_the_ward_rates(generated: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(inputs_app, ["presence", str(generated), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "presence.parquet")
    rows = table.to_pylist()
    assert rows and all(0 <= r["presence_rate"] <= 1 and r["present_days"] <= r["billed_days"] for r in rows)
    assert min(r["presence_rate"] for r in rows) < 1  # the injected 挂床 stays lower some wards
    assert (tmp_path / "presence.xlsx").stat().st_size > 0
