"""Scope in one place: every repository filters and checks resources through these two functions.

:func:`scope_clause` narrows a query to what the principal may see; :func:`ensure_in_scope` checks one
loaded resource. Both follow :class:`~qiandai.identity.principal.Principal`'s rules. An out-of-scope
resource raises :class:`NotFoundError` — indistinguishable from one that does not exist (HTTP 404).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true

from qiandai.domain.errors import NotFoundError
from qiandai.identity.principal import Principal, region_prefix


def scope_clause(
    principal: Principal,
    *,
    region_col: Any,
    institution_col: Any | None = None,
) -> ColumnElement[bool]:
    """A WHERE clause limiting rows (with columns ``region_col`` / ``institution_col``) to the scope.

    Rows without an institution column are invisible to institution users.
    """
    if principal.institution_code is not None:
        if institution_col is None:
            return false()
        clause: ColumnElement[bool] = institution_col == principal.institution_code
        return clause
    if principal.region_code is None:
        return true()
    prefix = region_prefix(principal.region_code)
    like: ColumnElement[bool] = region_col.like(f"{prefix}%")
    return like


def ensure_in_scope(
    principal: Principal,
    *,
    region_code: str | None,
    institution_code: str | None = None,
    what: str = "记录",
) -> None:
    """Raise :class:`NotFoundError` unless a resource at ``region_code``/``institution_code`` is in scope."""
    if principal.institution_code is not None:
        visible = institution_code is not None and institution_code == principal.institution_code
    else:
        visible = principal.can_see_region(region_code)
    if not visible:
        raise NotFoundError(f"{what}不存在")
