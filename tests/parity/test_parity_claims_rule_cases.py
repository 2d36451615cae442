"""The hand-made rule tests of ``tests/claims`` re-run with every rule evaluated on both engines.

Each ``test_*`` function of the rule-test modules below runs unchanged, with its module's ``run_rule``
(``tests/claims/harness.py``, DuckDB) replaced by one that also runs the rule on Spark through
:func:`parity_claims_helpers.run_rule_on` and asserts the same rows (canonical form: exact decimals,
NULL ≠ NaN ≠ empty list). So the boundary cases written for DuckDB (birthdays, leap days, midnight fee
times, NULL birth dates, empty groups) are parity cases too, and the test's own assertions still hold.

Engine gaps: a case known to differ on Spark goes into :data:`SPARK_GAPS` (``module::function`` →
reason) and is ``xfail(strict=True)``. There are none today.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from parity_claims_helpers import canonical, claims_harness, describe, run_rule_on, spark_backend

from qiandai.batch.backend import BatchBackend

pytestmark = pytest.mark.spark

MODULES = (
    "test_rules_safety",
    "test_rules_breadth",
    "test_rules_dataquality",
    "test_rules_pairs_quantity",
    "test_rules_patient_policy",
    "test_rules_prescriptions_admissions",
    "test_rules_stays_behaviour",
    "test_checkins_rules",
    "test_stock_rules",
)
SPARK_GAPS: dict[str, str] = {}
# Each case costs a few Spark jobs (seconds on two cores): CI runs the first DEFAULT_PER_MODULE cases of
# every module; QIANDAI_PARITY_FULL=1 collects all of them (about 200, several minutes).
DEFAULT_PER_MODULE = 2
FULL = os.environ.get("QIANDAI_PARITY_FULL") == "1"


def _expand(func: Callable[..., Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(id suffix, arguments) for each call pytest would make of ``func`` (its ``parametrize`` marks)."""
    calls: list[tuple[str, dict[str, Any]]] = [("", {})]
    for mark in getattr(func, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names = (
            [n.strip() for n in mark.args[0].split(",")] if isinstance(mark.args[0], str) else mark.args[0]
        )
        values = [v.values if hasattr(v, "values") else v for v in mark.args[1]]
        values = [v if len(names) > 1 else (v,) for v in values]
        calls = [
            (f"{sfx}[{'-'.join(str(x) for x in v)}]", {**kw, **dict(zip(names, v, strict=True))})
            for sfx, kw in calls
            for v in values
        ]
    yield from calls


def _cases() -> list[Any]:
    claims_harness()  # puts tests/claims on sys.path for the rule-test modules
    cases = []
    for name in MODULES:
        module = importlib.import_module(name)
        for fname, func in inspect.getmembers(module, inspect.isfunction):
            if not fname.startswith("test_") or func.__module__ != module.__name__:
                continue
            params = set(inspect.signature(func).parameters)
            for sfx, kwargs in _expand(func):
                if params - set(kwargs):
                    continue  # needs fixtures: not a pure rule case
                case_id = f"{name}::{fname}{sfx}"
                marks = (
                    [pytest.mark.xfail(strict=True, reason=SPARK_GAPS[case_id])]
                    if case_id in SPARK_GAPS
                    else []
                )
                if not FULL and sum(1 for c in cases if c.values[0] == name) >= DEFAULT_PER_MODULE:
                    continue
                cases.append(pytest.param(name, fname, kwargs, id=case_id, marks=marks))
    return cases


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BatchBackend]:
    batch = spark_backend(tmp_path_factory.mktemp("parity-rule-cases"))
    yield batch
    batch.close()


@pytest.mark.parametrize(("module_name", "func_name", "kwargs"), _cases())
def test_rule_case_on_both_engines(
    module_name: str,
    func_name: str,
    kwargs: dict[str, Any],
    spark: BatchBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = importlib.import_module(module_name)
    duckdb_run = claims_harness().run_rule

    def both(rule_id: str, **kw: Any) -> list[dict[str, Any]]:
        duck = duckdb_run(rule_id, **kw)
        on_spark = run_rule_on(spark, rule_id, **kw)
        d, s = canonical(duck), canonical(on_spark)
        assert d == s, f"{rule_id}: DuckDB\n{describe(d)}\nSpark\n{describe(s)}"
        return duck

    monkeypatch.setattr(module, "run_rule", both)
    try:
        getattr(module, func_name)(**kwargs)
    finally:
        monkeypatch.undo()
    # Cases that expect run_rule to raise (a bad rule definition) compare nothing; all others compare.


def test_every_module_contributes_cases() -> None:
    counts = {m: sum(1 for c in _cases() if c.values[0] == m) for m in MODULES}
    if FULL:
        assert all(counts.values()) and sum(counts.values()) >= 60, counts
    else:  # the short form: the first DEFAULT_PER_MODULE cases of every module
        assert set(counts.values()) == {DEFAULT_PER_MODULE}, counts
