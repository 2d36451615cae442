"""Expression trees for rules stored as JSON, and their compilation to Python closures.

A node is one of:

* ``{"feature": "amount"}`` — the value of a named feature (``None`` when unknown);
* ``{"value": 50000}`` — a constant (number, string, boolean or list);
* ``{"op": "gte", "args": [node, node]}`` — an operator from :data:`OPERATORS` applied to its arguments.

The tree is data: a real-time engine compiles it with :func:`compile_expr` (closures, no ``eval``), and a
batch compiler can walk the same JSON (:func:`features_of`, :func:`walk`) and emit SQL or Ibis. Unknown
values follow SQL's spirit: a comparison with ``None`` is false, ``not`` of unknown is false, so a rule
never fires on a fact nobody reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from qiandai.domain.errors import RuleDefinitionError
from qiandai.rules.expr_ops import OPERATORS, Evaluator

Compiled = Evaluator


def compile_expr(node: Any, known_features: Mapping[str, Any] | None = None) -> Compiled:
    """Return a function ``features -> value`` for ``node``; refuse unknown operators and features.

    ``known_features`` (a catalog keyed by feature name) lets a definition be checked when a version is
    drafted, not when the first transfer arrives.
    """
    if not isinstance(node, Mapping):
        raise RuleDefinitionError(f"表达式节点应为对象：{node!r}")
    if "feature" in node:
        name = node["feature"]
        if not isinstance(name, str) or (known_features is not None and name not in known_features):
            raise RuleDefinitionError(f"未知的特征「{name}」")

        def get(features: Mapping[str, Any], _n: str = name) -> Any:
            return features.get(_n)

        return get
    if "value" in node:
        constant = node["value"]
        if isinstance(constant, list):
            constant = frozenset(constant)

        def const(_features: Mapping[str, Any], _c: Any = constant) -> Any:
            return _c

        return const
    op = node.get("op")
    if not isinstance(op, str):
        raise RuleDefinitionError(f"表达式节点缺少 op/feature/value：{dict(node)!r}")
    spec = OPERATORS.get(op)
    args = node.get("args", [])
    if not isinstance(args, list):
        raise RuleDefinitionError(f"运算符「{op}」的 args 应为列表")
    if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
        raise RuleDefinitionError(f"运算符「{op}」的参数个数不对：{len(args)}")
    return spec.build([compile_expr(a, known_features) for a in args])


def walk(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every node of the tree, depth first (for compilers and validators)."""
    if isinstance(node, Mapping):
        yield node
        for arg in node.get("args", []) or []:
            yield from walk(arg)


def features_of(node: Any) -> set[str]:
    """The feature names a tree reads."""
    return {n["feature"] for n in walk(node) if "feature" in n}


def evaluate(node: Any, features: Mapping[str, Any]) -> Any:
    """Compile and evaluate once (tests, tools); engines keep the compiled function."""
    return compile_expr(node)(features)


def f(name: str) -> dict[str, Any]:
    """Shorthand builders for trees written in Python (tests, generators of defaults)."""
    return {"feature": name}


def v(value: Any) -> dict[str, Any]:
    return {"value": value}


def op(name: str, *args: dict[str, Any]) -> dict[str, Any]:
    return {"op": name, "args": list(args)}


def all_of(*args: dict[str, Any]) -> dict[str, Any]:
    return op("and", *args)


Predicate = Callable[[Mapping[str, Any]], bool]
