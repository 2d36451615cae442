"""Assemble the FastAPI application: routers of every module, error translation, health endpoints.

Modules contribute an ``APIRouter`` in ``qiandai/api/<module>.py``; :func:`create_app` includes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from qiandai import __version__
from qiandai.api.errors import install_error_handlers
from qiandai.store.database import make_engine, session_factory


def create_app(
    database_url: str | None = None, *, decision_fast_path: bool = True, warm_transfers: bool = False
) -> FastAPI:
    """Return a new application bound to ``database_url`` (default: the configured database).

    One per process; tests create their own against a freshly migrated database.
    ``decision_fast_path=False`` serves ``POST /api/transfers/decide`` through the plain FastAPI
    route only (tests compare the two; ADR 0026). ``warm_transfers=True`` (what ``qiandai serve``
    runs, :func:`serve_app`) starts the transfer runtime and primes its database connections at
    start-up, before the worker accepts requests.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_transfers:
            from qiandai.api.transfers import warm_decision_path

            await warm_decision_path(app)
        try:
            yield
        finally:
            if warm_transfers:
                import gc

                gc.unfreeze()  # undo the start-up's gc.freeze (matters where apps come and go: tests)

    app = FastAPI(
        title="钱袋 Qiandai API",
        version=__version__,
        description="医保基金智能监管与反电信网络诈骗平台接口。错误信息为中文。",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    engine = make_engine(database_url)
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)

    @app.get("/healthz", tags=["运维"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in _routers():
        app.include_router(router)

    from qiandai.web import install_web

    install_web(app)
    from qiandai.api.ops import install_request_metrics

    install_request_metrics(app)  # inside the decision fast path: /api/transfers/decide skips it
    if decision_fast_path:
        from qiandai.api.transfers import install_decision_fast_path

        install_decision_fast_path(app)  # outermost: POST /api/transfers/decide skips the rest (ADR 0026)
    return app


def serve_app() -> FastAPI:
    """The application a served worker runs (``qiandai serve``): the configured database, the lean
    decision path, and the transfer runtime warmed before the first request."""
    return create_app(warm_transfers=True)


def _routers() -> list[APIRouter]:
    """Routers of every module that has one (modules register here as they land)."""
    from qiandai.api import governance_units, texts
    from qiandai.api.cards import router as cards_router
    from qiandai.api.governance_stats import router as governance_stats_router
    from qiandai.api.ops import router as ops_router
    from qiandai.api.simcards import router as simcards_router
    from qiandai.api.supervision import routers as supervision_routers
    from qiandai.api.transfers import router as transfers_router
    from qiandai.api.transfers_warnings import router as transfers_warnings_router

    return [
        *supervision_routers(),
        transfers_router,
        transfers_warnings_router,
        texts.router,
        governance_stats_router,
        governance_units.router,
        cards_router,
        simcards_router,
        ops_router,
    ]
