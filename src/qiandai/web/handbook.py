"""防诈骗宝典: the fraud-method knowledge base as a public, searchable page (phone-friendly).

Publicity staff and citizens read it without an account; it renders the user's edited book when one
exists in ``$QIANDAI_HOME`` (``qiandai texts methods import``), else the shipped one.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Query, Request, Response

from qiandai import settings
from qiandai.texts.methods import load_book
from qiandai.texts.methods_export import export_book
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/handbook")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("")
def handbook(request: Request, q: str = Query("", max_length=100)) -> Response:
    book = load_book(settings.home())
    methods = book.search(q) if q.strip() else list(book.methods)
    lists = [
        lst for lst in book.lists if not q.strip() or any(m.id in lst.get("methods", ()) for m in methods)
    ]
    ctx = {"q": q, "book": book, "methods": methods, "lists": lists}
    return render(request, "public/handbook.html", ctx)


@router.get(".xlsx")
def handbook_xlsx() -> Response:
    data = export_book(load_book(settings.home()), "xlsx")
    name = quote("防诈骗宝典.xlsx")
    return Response(
        data, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    )
