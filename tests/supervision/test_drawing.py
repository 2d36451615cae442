"""The random-draw algorithm: reproducible, stratified, weighted, conflict-free."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from qiandai.domain.errors import InvalidInputError
from qiandai.supervision.drawing import allocate, run


def _inputs(n: int = 30) -> dict[str, Any]:
    kinds = ["hospital", "clinic", "pharmacy"]
    insts = [[f"H{i:04d}", kinds[i % 3], "330102", str(i % 7 * 10)] for i in range(n)]
    experts = [[i, ["医保", "医务", "药学"][i % 3], f"H{i:04d}", "330102"] for i in range(12)]
    return {"institutions": insts, "experts": experts, "exclusions": {"exclude_same_institution": True}}


PARAMS = {"count": 9, "stratify": True, "weighted": True, "specialities": ["医保", "医务"]}


def test_same_seed_same_result_other_seed_other_result() -> None:
    assert run(_inputs(), PARAMS, "seed-1") == run(_inputs(), PARAMS, "seed-1")
    assert run(_inputs(), PARAMS, "seed-1") != run(_inputs(), PARAMS, "seed-2")


def test_stratified_allocation_and_no_conflicts() -> None:
    picked = run(_inputs(), PARAMS, "s")
    assert Counter(p.stratum for p in picked) == {"hospital": 3, "clinic": 3, "pharmacy": 3}
    employer = {e[0]: e[2] for e in _inputs()["experts"]}
    for p in picked:
        assert [s for _, s in p.inspectors] == ["医保", "医务"]
        assert all(employer[e] != p.code for e, _ in p.inspectors)
    assert allocate({"a": 5, "b": 3, "c": 2}, 4) == {"a": 2, "b": 1, "c": 1}


def test_weighting_favours_high_risk() -> None:
    inputs = _inputs(60)
    hits: Counter[str] = Counter()
    for seed in range(200):
        for p in run(inputs, PARAMS | {"specialities": []}, str(seed)):
            hits[p.code] += 1
    high = sum(hits[c[0]] for c in inputs["institutions"] if c[3] == "60")
    low = sum(hits[c[0]] for c in inputs["institutions"] if c[3] == "0")
    assert high > 3 * low


def test_not_enough_experts_or_targets() -> None:
    inputs = _inputs()
    inputs["exclusions"]["excluded_pairs"] = [
        [e[0], f"H{k:04d}"] for e in inputs["experts"] for k in range(30)
    ]
    with pytest.raises(InvalidInputError, match="利益冲突"):
        run(inputs, PARAMS, "s")
    with pytest.raises(InvalidInputError, match="超过候选机构数"):
        run(_inputs(), PARAMS | {"count": 31}, "s")
