"""The expression language: operators, unknown values, validation, the refusing registry."""

from __future__ import annotations

import pytest

from qiandai.domain.errors import RuleDefinitionError
from qiandai.rules.expr import compile_expr, evaluate, f, features_of, op, v
from qiandai.rules.expr_ops import OPERATORS, operator


def test_comparisons_and_logic() -> None:
    tree = op("and", op("gte", f("amount"), v(100)), op("in", f("channel"), v(["mobile", "atm"])))
    assert evaluate(tree, {"amount": 150, "channel": "mobile"}) is True
    assert evaluate(tree, {"amount": 50, "channel": "mobile"}) is False
    assert features_of(tree) == {"amount", "channel"}


def test_unknown_values_never_fire() -> None:
    assert evaluate(op("gte", f("age"), v(60)), {"age": None}) is False
    assert evaluate(op("not", f("night")), {}) is False
    assert evaluate(op("div", f("a"), f("b")), {"a": 1, "b": 0}) is None
    assert evaluate(op("between", f("a"), v(1), v(3)), {"a": 2}) is True


def test_unknown_operator_and_feature_are_refused() -> None:
    with pytest.raises(RuleDefinitionError, match="未知的表达式运算符"):
        compile_expr(op("nope", v(1)))
    with pytest.raises(RuleDefinitionError, match="未知的特征"):
        compile_expr(f("mystery"), {"amount": ""})
    with pytest.raises(RuleDefinitionError, match="参数个数"):
        compile_expr(op("not", v(1), v(2)))


def test_registry_refuses_a_duplicate_operator() -> None:
    assert "gte" in OPERATORS
    with pytest.raises(RuleDefinitionError, match="重复注册"):
        operator("gte", 2, 2)(lambda args: lambda x: None)
