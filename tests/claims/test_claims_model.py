"""Risk model: train / score / evaluate on generated data, reviewer decisions, and the column-mapping path."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from qiandai.claims.model.evaluation import held_out_mask, ranking_metrics
from qiandai.cli import claims_analytics
from qiandai.datagen.claims import generate_claims

VISITS = 3000
SEED = 11  # tests/claims/data/model_mapping/provider_labels.csv names the institutions of this seed
EXAMPLE = Path(__file__).parent / "data" / "model_mapping"

cli = typer.Typer()
cli.add_typer(claims_analytics.app, name="claims")


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["claims", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model-data")
    generate_claims(folder, visits=VISITS, seed=SEED)
    return folder


@pytest.fixture(scope="module")
def trained(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = tmp_path_factory.mktemp("model") / "m"
    _run("model", "train", str(data), "--truth", str(data / "ground_truth.parquet"), "--out", str(model))
    return model


def test_train_reports_held_out_metrics_and_saves_without_pickle(trained: Path) -> None:
    assert sorted(p.name for p in trained.iterdir()) == ["manifest.json", "model.txt"]
    manifest = json.loads((trained / "manifest.json").read_text(encoding="utf-8"))
    held = manifest["metrics"]["held_out"]
    assert manifest["level"] == "visit" and manifest["params"]["deterministic"] is True
    assert held["auc"] > 0.5 and held["pr_auc"] > held["base_rate"]
    assert set(held["precision_at_k"]) == {"10", "50"}
    assert manifest["split"]["test_rows"] > 0 and len(manifest["data_hash"]) == 64
    assert all(f["name"] for f in manifest["features"])


def test_training_is_deterministic(data: Path, trained: Path, tmp_path: Path) -> None:
    _run("model", "train", str(data), "--truth", str(data / "ground_truth.parquet"), "--out", str(tmp_path))
    first = json.loads((trained / "manifest.json").read_text(encoding="utf-8"))["metrics"]
    second = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["metrics"]
    assert first == second


def test_score_ranks_and_explains(data: Path, trained: Path, tmp_path: Path) -> None:
    _run("model", "score", str(data), "--model", str(trained), "--out", str(tmp_path))
    rows = pq.read_table(tmp_path / "scores.parquet")
    assert rows.column("rank").to_pylist()[:3] == [1, 2, 3]
    scores = rows.column("score").to_numpy()
    assert np.all(np.diff(scores) <= 0)
    top = rows.slice(0, 20).to_pylist()
    assert all(r["reason_1"] and r["explanation"] and r["contrib_1"] is not None for r in top)
    assert "（+" in top[0]["explanation"] or "（-" in top[0]["explanation"]
    inst = pq.read_table(tmp_path / "institutions.parquet")
    assert inst.column("rank").to_pylist() == list(range(1, inst.num_rows + 1))
    assert (tmp_path / "scores.xlsx").stat().st_size > 0


def test_evaluate_uses_the_held_out_split_on_training_data(data: Path, trained: Path) -> None:
    out = _run("model", "evaluate", str(data), "--model", str(trained),
               "--truth", str(data / "ground_truth.parquet"), "--json")  # fmt: skip
    metrics = json.loads(out)
    assert metrics["rows_evaluated"] == "held_out"
    assert metrics["auc"] == pytest.approx(metrics["training_held_out"]["auc"])


def test_reviewer_decisions_train_a_visit_model(data: Path, tmp_path: Path) -> None:
    truth = pq.read_table(data / "ground_truth.parquet").column("mdtrt_id").combine_chunks()
    visits = pq.read_table(data / "MDTRT_D.parquet", columns=["mdtrt_id"]).column("mdtrt_id").combine_chunks()
    negatives = pc.filter(visits, pc.invert(pc.is_in(visits, truth))).slice(0, 800)
    decisions = pa.table(
        {
            "mdtrt_id": pa.concat_arrays([truth, negatives]),
            "label": ["confirmed"] * len(truth) + ["dismissed"] * len(negatives),
        }
    )
    pacsv.write_csv(decisions, tmp_path / "decisions.csv")
    model = tmp_path / "m"
    _run("model", "train", str(data), "--labels", str(tmp_path / "decisions.csv"), "--out", str(model))
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    listed = len(truth) + len(negatives)  # a few injected visits are quarantined at ingestion (bad rows)
    assert 0.9 * listed <= manifest["labels"]["labelled_rows"] <= listed
    assert manifest["metrics"]["held_out"]["auc"] > 0.5


def _to_source_schema(data: Path, target: Path) -> None:
    """Write the generated national tables under the example mapping's source names and codes."""
    mapping = tomllib.loads((EXAMPLE / "mapping.toml").read_text(encoding="utf-8"))
    target.mkdir()
    for national, section in mapping["tables"].items():
        table = pq.read_table(data / f"{national}.parquet")
        inverse = {dst: src for src, dst in section["columns"].items()}
        columns = {}
        for name, src in ((n, inverse[n]) for n in table.column_names if n in inverse):
            col = table.column(name).cast(pa.string())
            for code_from, code_to in ((v, k) for k, v in section.get("values", {}).get(name, {}).items()):
                col = pc.if_else(pc.equal(col, code_from), code_to, col)
            columns[src] = col
        pacsv.write_csv(pa.table(columns), target / section["file"])


def test_provider_labels_through_a_column_mapping(data: Path, tmp_path: Path) -> None:
    source = tmp_path / "his-export"
    _to_source_schema(data, source)
    assert not (source / "MDTRT_D.parquet").exists()
    model = tmp_path / "m"
    mapping, labels = EXAMPLE / "mapping.toml", EXAMPLE / "provider_labels.csv"
    _run(
        "model", "train", str(source), "--labels", str(labels), "--mapping", str(mapping), "--out", str(model)
    )
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["level"] == "institution"
    assert manifest["labels"]["positives"] > 0 and manifest["split"]["group_by"] == "fixmedins_code"
    held = manifest["metrics"]["held_out"]
    assert held["auc"] is not None and 0.0 <= held["auc"] <= 1.0
    out = tmp_path / "scores"
    _run("model", "score", str(source), "--model", str(model), "--mapping", str(mapping), "--out", str(out))
    inst = pq.read_table(out / "institutions.parquet")
    assert inst.num_rows == 20 and inst.column("explanation").null_count == 0


def test_held_out_split_keeps_groups_apart_and_is_stratified() -> None:
    groups = np.array([f"g{i // 3}" for i in range(300)], dtype=object)
    y = (np.arange(300) // 3 % 5 == 0).astype(np.int8)
    test = held_out_mask(groups, y, 0.25, seed=3)
    assert not set(groups[test]) & set(groups[~test])
    assert 0 < y[test].sum() < y.sum()
    shuffled = np.random.default_rng(0).permutation(300)
    again = held_out_mask(groups[shuffled], y[shuffled], 0.25, seed=3)
    assert set(groups[shuffled][again]) == set(groups[test])  # independent of row order


def test_ranking_metrics_precision_at_k() -> None:
    y = np.array([1, 0, 1, 0, 0])
    m = ranking_metrics(y, np.array([0.9, 0.8, 0.7, 0.1, 0.0]), [1, 2, 10])
    assert m["precision_at_k"] == {"1": 1.0, "2": 0.5, "10": pytest.approx(0.4)}
    assert m["k_used"]["10"] == 5 and m["auc"] == pytest.approx(5 / 6)


def test_rows_beyond_explain_top_keep_scores_without_reasons() -> None:
    from qiandai.claims.model.score import _explanation

    contrib = np.full((6, 3), np.nan)
    contrib[:2] = [[0.5, -1.0, 0.0], [0.0, 0.0, 0.0]]
    out = _explanation(np.array(["甲", "乙", "丙"], dtype=object), contrib, 2)
    assert out["explanation"].to_pylist() == ["乙（-1）；甲（+0.5）", None, None, None, None, None]
    assert out["reason_1"].to_pylist()[:2] == ["乙", None] and len(out["contrib_2"]) == 6


@pytest.mark.parametrize("fraction", ["0", "1", "1.5", "-0.2", "nan"])
def test_invalid_test_fraction_is_a_clear_chinese_error(data: Path, tmp_path: Path, fraction: str) -> None:
    args = ["claims", "model", "train", str(data), "--truth", str(data / "ground_truth.parquet")]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "m"), "--test-fraction", fraction])
    assert result.exit_code == 2, result.output
    assert "--test-fraction（留出集比例）须大于 0 且小于 1" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "m").exists()
