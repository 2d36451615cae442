"""An app factory for the kill test's uvicorn subprocess (URL from QIANDAI_DATABASE_URL)."""

from __future__ import annotations

from fastapi import FastAPI

from qiandai.api.app import create_app
from qiandai.api.auth import router as auth_router
from qiandai.api.transfers import router as transfers_router


def make() -> FastAPI:
    app = create_app()
    paths = {getattr(r, "path", "") for r in app.routes}
    for router in (auth_router, transfers_router):
        if not any(getattr(r, "path", "") in paths for r in router.routes):
            app.include_router(router)
    return app
