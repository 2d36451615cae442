"""FastAPI dependencies shared by every router: the request's unit of work.

Authentication dependencies (``current_principal``, ``require_roles``) live in ``qiandai.api.auth``.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from qiandai.store.database import unit_of_work


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the endpoint returns, rolled back on any error."""
    with unit_of_work(request.app.state.session_factory) as session:
        yield session
