"""A registry of named operators that refuses duplicates (one small unit per operator)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from qiandai.domain.errors import RuleDefinitionError

F = TypeVar("F", bound=Callable[..., object])


class Registry(Generic[F]):
    """Maps an operator name to its implementation; registering a name twice is an error."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, F] = {}

    def register(self, name: str) -> Callable[[F], F]:
        """Decorator: register the function under ``name``."""

        def decorator(fn: F) -> F:
            if name in self._items:
                raise RuleDefinitionError(f"{self.kind}「{name}」重复注册")
            self._items[name] = fn
            return fn

        return decorator

    def get(self, name: str) -> F:
        try:
            return self._items[name]
        except KeyError:
            known = "、".join(sorted(self._items))
            raise RuleDefinitionError(f"未知的{self.kind}「{name}」；可用：{known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))
