"""The web console (工作台): server-rendered Chinese pages on the same FastAPI application.

The lead's ``create_app`` calls :func:`install_web` once; it mounts the packaged static files (htmx and
ECharts vendored locally, never a CDN), adds the security middleware (headers, CSRF cookie) and includes
every page router. Pages are thin: they parse a form, call a service, render a template.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"


def install_web(app: FastAPI) -> None:
    """Add the web console to ``app`` (idempotent: a second call changes nothing)."""
    if getattr(app.state, "web_installed", False):
        return
    app.state.web_installed = True
    from qiandai.web.routers import routers
    from qiandai.web.security import install_security

    install_security(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in routers():
        app.include_router(router)
