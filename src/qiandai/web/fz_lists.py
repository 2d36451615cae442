"""Lists (名单管理): case accounts, fraud phones, punishment list, allow-list — add, remove, export.
Values are masked on screen and in exports; the exact value is what police type to add or remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, Response

from qiandai.domain.errors import InvalidInputError
from qiandai.domain.masking import mask_code
from qiandai.identity.roles import Role
from qiandai.transfers import repository
from qiandai.transfers.lists import ListKind
from qiandai.web.deps import DbSession, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.fz_runtime import runtime
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/fz/lists", [Depends(require(Role.ADMIN, Role.ANTIFRAUD))])
MAX_SHOWN = 500


def _values(text: str) -> list[str]:
    values = sorted({v.strip() for v in text.replace("，", ",").replace("\n", ",").split(",") if v.strip()})
    if not values:
        raise InvalidInputError("请填写至少一个账号或号码（每行一个，或以逗号分隔）")
    if any(len(v) > 80 for v in values):
        raise InvalidInputError("单个值不能超过 80 个字符")
    return values


def _table(session: DbSession, kind: ListKind) -> Table:
    rows = [
        [ListKind(e.kind).label, mask_code(e.value), e.source, e.note, e.added_at]
        for e in repository.list_entries(session, kind)
    ]
    return Table(kind.label, ["名单", "账号/号码（脱敏）", "来源", "备注", "加入时间"], rows)


@router.get("")
def lists(request: Request, session: DbSession, kind: ListKind = ListKind.CASE_ACCOUNT) -> Response:
    t = _table(session, kind)
    counts = {k: len(repository.list_entries(session, k)) for k in ListKind}
    ctx = {"t": t, "shown": t.rows[:MAX_SHOWN], "kind": kind, "kinds": list(ListKind), "counts": counts}
    return render(request, "fz/lists.html", ctx)


@router.get(".xlsx")
def export(session: DbSession, kind: ListKind = ListKind.CASE_ACCOUNT) -> Response:
    return xlsx_response(_table(session, kind), f"{kind.label}.xlsx")


@router.post("/{kind}/add")
def add(
    request: Request,
    kind: ListKind,
    values: Annotated[str, Form(max_length=200000)],
    source: Annotated[str, Form(max_length=100)] = "",
    note: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    added = runtime(request).add_to_list(kind, _values(values), source, note)
    return done(request, f"/fz/lists?kind={kind.value}", f"{kind.label}：新增 {added} 条")


@router.post("/{kind}/remove")
def remove(request: Request, kind: ListKind, values: Annotated[str, Form(max_length=200000)]) -> Response:
    removed = runtime(request).remove_from_list(kind, _values(values))
    return done(request, f"/fz/lists?kind={kind.value}", f"{kind.label}：移出 {removed} 条")
