"""Rectification ledger (整改台账, overdue rows highlighted) and random inspection draws (双随机、一公开)
with the published list and its printable view."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, Request, Response, UploadFile

from qiandai.identity.roles import Role
from qiandai.supervision import evidence, inspections, rectification
from qiandai.supervision.models import Draw
from qiandai.supervision.repository import ScopedRepository
from qiandai.web.deps import SUPERVISION_ALL, SUPERVISION_STAFF, Repo, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.stats import institution_names
from qiandai.web.templating import render

router = page_router("/yb", [Depends(require(*SUPERVISION_ALL))])
draw_router = page_router("/yb/draws", [Depends(require(*SUPERVISION_STAFF))])
extra_routers = [draw_router]
KIND_LABELS = {"hospital": "医院", "clinic": "基层医疗机构", "pharmacy": "药店"}


def ledger(repo: ScopedRepository, status: str, overdue_only: bool) -> Table:
    items = repo.rectifications(status=status or None)
    names = institution_names(repo, sorted({i.institution_code for i in items}))
    rows = []
    for i in items:
        late = rectification.is_overdue(i)
        if overdue_only and not late:
            continue
        rows.append(
            [
                i.id,
                names.get(i.institution_code, i.institution_code),
                i.title,
                i.requirement,
                i.owner,
                i.deadline,
                rectification.STATUS_LABELS.get(i.status, i.status),
                late,
                i.escalation_level,
            ]
        )
    headers = ["编号", "机构", "问题", "整改要求", "责任人", "整改期限", "状态", "是否逾期", "督办级别"]
    return Table("整改台账", headers, rows)


@router.get("/rectifications")
def ledger_page(request: Request, repo: Repo, status: str = "", overdue: bool = False) -> Response:
    ctx = {
        "t": ledger(repo, status, overdue),
        "status": status,
        "overdue": overdue,
        "labels": rectification.STATUS_LABELS,
        "staff": repo.principal.has_role(*rectification.STAFF) and not repo.principal.is_institution_user,
        "institution": repo.principal.is_institution_user,
    }
    return render(request, "yb/rectifications.html", ctx)


@router.get("/rectifications.xlsx")
def ledger_export(repo: Repo, status: str = "", overdue: bool = False) -> Response:
    return xlsx_response(ledger(repo, status, overdue), "整改台账.xlsx")


@router.post("/rectifications/{item_id}/submit")
async def submit(
    request: Request,
    item_id: int,
    repo: Repo,
    note: Annotated[str, Form(min_length=1, max_length=5000)],
    attachment: Annotated[UploadFile | None, File()] = None,
) -> Response:
    ids = []
    if attachment is not None and attachment.filename:
        content = await attachment.read()
        row = evidence.upload(
            repo, "rectification", item_id, attachment.filename, attachment.content_type or "", content
        )
        ids.append(row.id)
    rectification.submit(repo, item_id, note, ids)
    return done(request, "/yb/rectifications", f"整改事项 {item_id} 已提交整改材料")


@router.post("/rectifications/{item_id}/verify")
def verify(
    request: Request,
    item_id: int,
    repo: Repo,
    passed: Annotated[bool, Form()],
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    rectification.verify(repo, item_id, passed, note or ("核验通过" if passed else "核验未通过"))
    return done(request, "/yb/rectifications", f"整改事项 {item_id} 已核验")


@router.post("/rectifications/{item_id}/close")
def close(request: Request, item_id: int, repo: Repo) -> Response:
    rectification.close_out(repo, item_id, "销号")
    return done(request, "/yb/rectifications", f"整改事项 {item_id} 已销号")


@draw_router.get("")
def draws(request: Request, repo: Repo) -> Response:
    rows = repo.all(repo.select(Draw).order_by(Draw.id.desc()))
    can_draw = repo.principal.has_role(Role.REVIEWER, Role.LEADER)
    return render(request, "yb/draws.html", {"draws": rows, "can_draw": can_draw})


@draw_router.get(".xlsx")
def draws_export(repo: Repo) -> Response:
    rows = [
        [d.draw_no, d.title, d.seed, d.created_at, d.created_by, d.published_at]
        for d in repo.all(repo.select(Draw).order_by(Draw.id.desc()))
    ]
    headers = ["抽取编号", "名称", "随机种子", "抽取时间", "抽取人", "公开时间"]
    return xlsx_response(Table("双随机抽取记录", headers, rows), "双随机抽取记录.xlsx")


@draw_router.post("")
def new_draw(
    request: Request,
    repo: Repo,
    title: Annotated[str, Form(min_length=1, max_length=200)],
    count: Annotated[int, Form(ge=1, le=1000)],
    seed: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    draw = inspections.make_draw(repo, title=title, count=count, seed=seed)
    return done(request, f"/yb/draws/{draw.id}", f"已完成抽取 {draw.draw_no}")


def _draw_context(repo: ScopedRepository, draw_id: int) -> dict[str, object]:
    d = inspections.details(repo, draw_id)
    return {**d, "kinds": KIND_LABELS, "can_publish": repo.principal.has_role(Role.REVIEWER, Role.LEADER)}


@draw_router.get("/{draw_id}")
def draw_page(request: Request, draw_id: int, repo: Repo) -> Response:
    return render(request, "yb/draw.html", _draw_context(repo, draw_id))


@draw_router.get("/{draw_id}/print")
def draw_print(request: Request, draw_id: int, repo: Repo) -> Response:
    return render(request, "yb/draw_print.html", _draw_context(repo, draw_id))


@draw_router.get("/{draw_id}/export.xlsx")
def draw_export(draw_id: int, repo: Repo) -> Response:
    d = inspections.details(repo, draw_id)
    rows = [
        [
            t["position"],
            t["institution_code"],
            t["institution_name"],
            KIND_LABELS.get(t["kind"], t["kind"]),
            "、".join(f"{p['name']}（{p['speciality']}）" for p in t["inspectors"]),
        ]
        for t in d["targets"]
    ]
    table = Table("抽查名单", ["序号", "机构编码", "机构名称", "机构类型", "检查专家"], rows)
    return xlsx_response(table, f"双随机抽查名单-{d['draw'].draw_no}.xlsx")


@draw_router.post("/{draw_id}/publish")
def publish(request: Request, draw_id: int, repo: Repo) -> Response:
    inspections.publish(repo, draw_id)
    return done(request, f"/yb/draws/{draw_id}", "抽取结果已公开")


@draw_router.post("/{draw_id}/replay")
def replay(request: Request, draw_id: int, repo: Repo) -> Response:
    same = inspections.replay(repo, draw_id)
    message = "复现结果与记录一致" if same else "复现结果与记录不一致，请核查！"
    return done(request, f"/yb/draws/{draw_id}", message)
