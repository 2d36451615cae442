"""Post/redirect/get with a one-time message: an action redirects and the next page shows the message."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from qiandai.web.templating import FLASH_COOKIE


def done(request: Request, url: str, message: str) -> Response:
    """Redirect to ``url`` (htmx: ``HX-Redirect``) and show ``message`` there once.

    The message is a Chinese status line; never put personal information in it (it travels in a cookie).
    """
    if request.headers.get("hx-request") == "true":
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    response.set_cookie(FLASH_COOKIE, quote(message), max_age=60, httponly=True, samesite="strict")
    return response
