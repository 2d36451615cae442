"""The route class of every web page: CSRF check first, domain errors rendered as Chinese pages.

API routes keep their JSON errors (``qiandai.api.errors``); a web route instead answers
401 → redirect to the login page, 404 → the not-found page (the same for missing and out of scope),
403 → the forbidden page, other domain errors → an error page, or for htmx requests a message
swapped into ``#flash``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from qiandai.domain import errors
from qiandai.web.security import check_csrf

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class LoginRequired(errors.AuthenticationError):
    """No valid session: the browser is sent to the login page."""


def _status(exc: errors.QiandaiError) -> int:
    if isinstance(exc, errors.NotFoundError):
        return 404
    if isinstance(exc, errors.PermissionDeniedError):
        return 403
    if isinstance(exc, errors.ConflictError):
        return 409
    return 422


def error_response(request: Request, exc: errors.QiandaiError) -> Response:
    """The HTML answer to a domain error raised by a web page."""
    from qiandai.web.templating import render

    htmx = request.headers.get("hx-request") == "true"
    if isinstance(exc, errors.AuthenticationError):
        target = "/login?next=" + quote(request.url.path)
        if htmx:
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    status = _status(exc)
    if htmx:
        html = render(request, "partials/flash.html", {"message": exc.message, "level": "error"})
        html.headers["HX-Retarget"] = "#flash"
        html.headers["HX-Reswap"] = "innerHTML"
        return html
    page = "404.html" if status == 404 else "error.html"
    return render(request, page, {"message": exc.message, "status": status}, status_code=status)


class WebRoute(APIRoute):
    """APIRoute with the CSRF check, the request's unit of work and HTML error pages.

    The unit of work (``request.state.db``) commits *before* the response leaves, so the browser's
    next request (after a redirect) always sees what this one wrote; any error rolls it back.
    """

    def get_route_handler(self) -> Handler:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            session = request.app.state.session_factory()
            request.state.db = session
            try:
                await check_csrf(request)
                response = await original(request)
                await run_in_threadpool(session.commit)
                return response
            except errors.QiandaiError as exc:
                await run_in_threadpool(session.rollback)
                return error_response(request, exc)
            except BaseException:
                await run_in_threadpool(session.rollback)
                raise
            finally:
                await run_in_threadpool(session.close)

        return handler


def page_router(prefix: str = "", dependencies: Sequence[Any] = ()) -> APIRouter:
    """A router for web pages (hidden from the API schema), with ``dependencies`` on every route."""
    return APIRouter(
        prefix=prefix,
        route_class=WebRoute,
        include_in_schema=False,
        default_response_class=HTMLResponse,
        dependencies=list(dependencies),
    )
