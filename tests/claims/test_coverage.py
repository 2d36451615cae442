"""The coverage registry: every rule names a catalog class, and docs/rule-coverage.md is up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from qiandai.claims.coverage import GAPS, Status, class_coverage, class_of_code, render_markdown
from qiandai.claims.rulesets import DEFAULT_RULE_SET, shipped_rule_sets
from qiandai.domain.errors import RuleDefinitionError

DOC = Path(__file__).resolve().parents[2] / "docs" / "rule-coverage.md"


def test_every_class_is_implemented_or_explained() -> None:
    rows = class_coverage(shipped_rule_sets()[DEFAULT_RULE_SET])
    assert len(rows) == 88
    assert all(r.implemented_by or r.reason for r in rows)
    implemented = {r.seq for r in rows if r.status is Status.IMPLEMENTED}
    assert not implemented & set(GAPS)


def test_codes_map_to_catalog_classes() -> None:
    assert class_of_code("GZ10000102012000") == 25
    assert class_of_code("CAT2025-031") == 31
    assert class_of_code("ZB10000205008000") == 63
    assert class_of_code("QD-0001") is None
    with pytest.raises(RuleDefinitionError):
        class_of_code("GZ99999999999999")


def test_every_shipped_rule_code_is_known() -> None:
    for rule in shipped_rule_sets()[DEFAULT_RULE_SET].rules:
        class_of_code(rule.code)  # raises for an unknown code


def test_coverage_document_is_up_to_date() -> None:
    expected = render_markdown(shipped_rule_sets()[DEFAULT_RULE_SET])
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/rule-coverage.md is stale: run `qiandai claims coverage --out docs/rule-coverage.md`"
    )
