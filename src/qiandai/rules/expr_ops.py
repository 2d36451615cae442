"""The operators of the expression language: one small builder each, in a registry refusing duplicates.

A builder receives the compiled arguments and returns a closure ``features -> value``. Comparisons and
arithmetic with an unknown (``None``) operand yield ``None``/false; ``and``/``or`` short-circuit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from qiandai.rules.registry import Registry

Evaluator = Callable[[Mapping[str, Any]], Any]
Builder = Callable[[list[Evaluator]], Evaluator]


@dataclass(frozen=True)
class OperatorSpec:
    """An operator: how many arguments it takes and how to build its closure."""

    name: str
    min_args: int
    max_args: int | None
    build: Builder


_registry: Registry[Callable[[], OperatorSpec]] = Registry("表达式运算符")


class _Operators:
    """Lookup of :class:`OperatorSpec` by name, backed by the refusing registry."""

    def get(self, name: str) -> OperatorSpec:
        return _registry.get(name)()

    def __contains__(self, name: object) -> bool:
        return name in _registry

    def names(self) -> list[str]:
        return list(_registry)


OPERATORS = _Operators()


def operator(name: str, min_args: int, max_args: int | None) -> Callable[[Builder], Builder]:
    """Register ``build`` as operator ``name`` (a second registration of a name raises)."""

    def decorator(build: Builder) -> Builder:
        spec = OperatorSpec(name, min_args, max_args, build)
        _registry.register(name)(lambda: spec)
        return build

    return decorator


def _compare(name: str, test: Callable[[Any, Any], bool]) -> None:
    @operator(name, 2, 2)
    def build(args: list[Evaluator]) -> Evaluator:
        left, right = args

        def run(x: Mapping[str, Any]) -> bool:
            a = left(x)
            if a is None:
                return False
            b = right(x)
            return b is not None and test(a, b)

        return run


_compare("eq", lambda a, b: a == b)
_compare("ne", lambda a, b: a != b)
_compare("gt", lambda a, b: a > b)
_compare("gte", lambda a, b: a >= b)
_compare("lt", lambda a, b: a < b)
_compare("lte", lambda a, b: a <= b)
_compare("in", lambda a, b: a in b)


@operator("and", 1, None)
def _and(args: list[Evaluator]) -> Evaluator:
    items = tuple(args)

    def run(x: Mapping[str, Any]) -> bool:
        return all(a(x) for a in items)

    return run


@operator("or", 1, None)
def _or(args: list[Evaluator]) -> Evaluator:
    items = tuple(args)

    def run(x: Mapping[str, Any]) -> bool:
        return any(bool(a(x)) for a in items)

    return run


@operator("not", 1, 1)
def _not(args: list[Evaluator]) -> Evaluator:
    (inner,) = args

    def run(x: Mapping[str, Any]) -> bool:
        value = inner(x)
        return value is not None and not value

    return run


@operator("between", 3, 3)
def _between(args: list[Evaluator]) -> Evaluator:
    value, low, high = args

    def run(x: Mapping[str, Any]) -> bool:
        a, lo, hi = value(x), low(x), high(x)
        return a is not None and lo is not None and hi is not None and lo <= a <= hi

    return run


@operator("is_true", 1, 1)
def _is_true(args: list[Evaluator]) -> Evaluator:
    (inner,) = args
    return lambda x: inner(x) is True


@operator("is_null", 1, 1)
def _is_null(args: list[Evaluator]) -> Evaluator:
    (inner,) = args
    return lambda x: inner(x) is None


def _arith(name: str, fn: Callable[[Any, Any], Any]) -> None:
    @operator(name, 2, 2)
    def build(args: list[Evaluator]) -> Evaluator:
        left, right = args

        def run(x: Mapping[str, Any]) -> Any:
            a, b = left(x), right(x)
            if a is None or b is None:
                return None
            return fn(a, b)

        return run


_arith("add", lambda a, b: a + b)
_arith("sub", lambda a, b: a - b)
_arith("mul", lambda a, b: a * b)
_arith("div", lambda a, b: None if b == 0 else a / b)
