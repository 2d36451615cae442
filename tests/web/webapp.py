"""The application the browser tests serve: the API app plus the web console.

Until ``create_app`` calls :func:`qiandai.web.install_web` itself, the tests add it here;
``install_web`` is idempotent, so this keeps working afterwards.
"""

from __future__ import annotations

from fastapi import FastAPI

from qiandai.api.app import create_app
from qiandai.web import install_web


def app() -> FastAPI:
    application = create_app()
    install_web(application)
    return application
