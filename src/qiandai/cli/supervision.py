"""`qiandai supervision …`: users, imports, draws and other batch operations of the supervision workflow.

Commands are thin: open a unit of work on the configured database, call one service, print the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from qiandai.cli.common import console, user_errors
from qiandai.domain.errors import InvalidInputError
from qiandai.identity import service as identity
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.store.migrate import upgrade
from qiandai.supervision import cases, credit, importer, inspections, institutions, persons, rectification
from qiandai.supervision.repository import ScopedRepository

SYSTEM_OPERATOR = Principal(
    user_id=0,
    username="cli",
    display_name="命令行操作员",
    roles=frozenset({Role.ADMIN, Role.AUDITOR, Role.REVIEWER}),
)

app = typer.Typer(no_args_is_help=True, help="医保基金监管工作流：用户、疑点导入、双随机抽取等")
user_app = typer.Typer(no_args_is_help=True, help="用户管理")
app.add_typer(user_app, name="user")

DbUrl = Annotated[
    str | None,
    typer.Option("--db", help="数据库 URL（默认 QIANDAI_DATABASE_URL 或 $QIANDAI_HOME/qiandai.db）"),
]


def _factory(db: str | None) -> sessionmaker[Session]:
    upgrade(db)
    return session_factory(make_engine(db))


def _repo(session: Session, username: str | None) -> ScopedRepository:
    """Act as ``username`` (their roles and scope) or, without one, as the system operator."""
    if username is None:
        return ScopedRepository(session, SYSTEM_OPERATOR)
    principal = identity.user_principal(session, username)
    if principal is None:
        raise InvalidInputError(f"用户不存在：{username}")
    return ScopedRepository(session, principal)


@app.command("migrate")
def migrate(db: DbUrl = None) -> None:
    """把数据库升级到最新结构（所有模块的迁移）。"""
    with user_errors():
        upgrade(db)
    console.print("数据库结构已是最新。")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="用户名")],
    roles: Annotated[str, typer.Option("--roles", help="角色，逗号分隔：admin,auditor,reviewer,…")],
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, help="密码（≥8 位）")],
    display_name: Annotated[str | None, typer.Option("--name", help="姓名")] = None,
    region: Annotated[str | None, typer.Option("--region", help="行政区划代码（6 位）")] = None,
    institution: Annotated[str | None, typer.Option("--institution", help="机构用户所属机构编码")] = None,
    org: Annotated[str | None, typer.Option("--org", help="所属组织编码")] = None,
    db: DbUrl = None,
) -> None:
    """新建用户（密码以 Argon2 哈希保存）。"""
    with user_errors(), unit_of_work(_factory(db)) as session:
        p = identity.create_user(
            session,
            username=username,
            password=password,
            display_name=display_name or username,
            roles=roles,
            region_code=region,
            institution_code=institution,
            org_code=org,
        )
    console.print(f"已创建用户 {p.username}（{'、'.join(r.label for r in sorted(p.roles))}）")


@user_app.command("list")
def user_list(db: DbUrl = None) -> None:
    """列出用户。"""
    with user_errors(), unit_of_work(_factory(db)) as session:
        for p in identity.list_users(session):
            scope = p.institution_code or p.region_code or "全部"
            roles = ",".join(sorted(p.roles))
            console.print(f"{p.user_id:>4}  {p.username:<16} {p.display_name:<10} {roles}  范围：{scope}")


AsUser = Annotated[str | None, typer.Option("--as", help="以该用户的角色与范围执行（默认：命令行操作员）")]


@app.command("import-run")
def import_run(
    folder: Annotated[Path, typer.Argument(help="审核输出目录（含 suspects.parquet、run.json）")],
    region: Annotated[
        str, typer.Option("--default-region", help="无法从机构编码推断时的行政区划")
    ] = "000000",
    as_user: AsUser = None,
    db: DbUrl = None,
) -> None:
    """导入审核批次的疑点到初审队列（幂等：重复导入不新增）。"""
    with user_errors(), unit_of_work(_factory(db)) as session:
        result = importer.import_run(_repo(session, as_user), folder, default_region=region)
    if result.already_imported:
        console.print(f"审核批次 {result.run_id} 已导入过，未新增疑点。")
    else:
        console.print(
            f"审核批次 {result.run_id}：新增疑点 {result.imported} 个，新登记机构 {result.institutions} 家。"
        )


@app.command("institutions")
def import_institutions(
    path: Annotated[
        Path,
        typer.Argument(
            help="机构名册 xlsx/CSV（表头：机构编码、机构名称、机构类型、机构等级、行政区划、风险分）"
        ),
    ],
    db: DbUrl = None,
) -> None:
    """导入或更新定点医药机构名册。"""
    with user_errors(), unit_of_work(_factory(db)) as session:
        repo = _repo(session, None)
        rows = institutions.read_register(path)
        for row in rows:
            institutions.upsert(repo, row)
    console.print(f"已导入机构 {len(rows)} 家。")


@app.command("expert-add")
def expert_add(
    name: Annotated[str, typer.Argument(help="姓名")],
    speciality: Annotated[str, typer.Option("--speciality", help="医保 | 医务 | 药学 | 财务 | 物价")],
    region: Annotated[str, typer.Option("--region", help="行政区划")],
    employer: Annotated[str | None, typer.Option("--employer", help="所在机构编码（利益冲突回避）")] = None,
    db: DbUrl = None,
) -> None:
    """专家入库。"""
    with user_errors(), unit_of_work(_factory(db)) as session:
        e = inspections.add_expert(_repo(session, None), name, speciality, region, employer)
    console.print(f"专家 {e.name}（{e.speciality}）已入库，编号 {e.id}。")


@app.command("draw")
def draw(
    count: Annotated[int, typer.Option("--count", help="抽取机构数")],
    seed: Annotated[str, typer.Option("--seed", help="随机种子（公开记录，可复现）")],
    title: Annotated[str, typer.Option("--title")] = "双随机抽查",
    kinds: Annotated[str | None, typer.Option("--kinds", help="机构类型：hospital,clinic,pharmacy")] = None,
    specialities: Annotated[str, typer.Option("--specialities", help="每家派出的专家专业")] = "医保,医务",
    weighted: Annotated[bool, typer.Option("--weighted/--uniform", help="按风险分加权")] = True,
    stratify: Annotated[bool, typer.Option("--stratify/--no-stratify", help="按机构类型分层")] = True,
    as_user: AsUser = None,
    db: DbUrl = None,
) -> None:
    """双随机抽取检查对象与检查专家，并记录种子与输入。"""
    with user_errors(), unit_of_work(_factory(db)) as session:
        repo = _repo(session, as_user)
        made = inspections.make_draw(
            repo,
            title=title,
            count=count,
            seed=seed,
            kinds=kinds.split(",") if kinds else None,
            stratify=stratify,
            weighted=weighted,
            specialities=specialities.split(","),
        )
        d = inspections.details(repo, made.id)
        ok = inspections.replay(repo, made.id)
    console.print(f"[bold]{made.draw_no} {made.title}[/]  种子：{made.seed}  可复现：{'是' if ok else '否'}")
    for t in d["targets"]:
        team = "、".join(f"{i['name']}（{i['speciality']}）" for i in t["inspectors"])
        console.print(
            f"  {t['position']:>2}. {t['institution_code']} {t['institution_name']}  检查组：{team}"
        )


@app.command("escalate")
def escalate(db: DbUrl = None) -> None:
    """逾期未整改事项升级督办（可每日定时运行，幂等）。"""
    with user_errors(), unit_of_work(_factory(db)) as session:
        items = rectification.escalate_overdue(_repo(session, None))
    console.print(f"升级督办 {len(items)} 项。")


@app.command("open-person-case")
def open_person_case(
    psn_no: Annotated[str, typer.Argument(help="参保人个人编号（psn_no）")],
    as_user: Annotated[str, typer.Option("--as", help="以该稽核员/审核员的角色与范围立案")],
    name: Annotated[str | None, typer.Option("--name", help="当事人姓名（加密保存）")] = None,
    id_number: Annotated[str | None, typer.Option("--id-number", help="公民身份号码（加密保存）")] = None,
    title: Annotated[str | None, typer.Option("--title", help="案件名称")] = None,
    db: DbUrl = None,
) -> None:
    """将同一参保人全部待立案疑点立为个人案件（条例第四十一条）。"""
    if (name is None) != (id_number is None):
        raise typer.BadParameter("--name 与 --id-number 须同时提供")
    with user_errors(), unit_of_work(_factory(db)) as session:
        repo = _repo(session, as_user)
        ids = [f.id for f in repo.decision_findings_of_person(psn_no)]
        if not ids:
            raise InvalidInputError(f"参保人 {psn_no} 没有待立案的疑点")
        identity = persons.PersonIdentity(name, id_number) if name and id_number else None
        case = cases.open_case(repo, ids, title, persons.PERSON, identity)
        line = f"已立案 {case.case_no}：{case.title}，疑点 {len(ids)} 个，损失 {case.loss_amount} 元。"
    console.print(line)


@app.command("rate")
def rate(
    period: Annotated[str, typer.Argument(help="期间，如 2025、2025-H1、2025-Q2 或 2025-06")],
    db: DbUrl = None,
) -> None:
    """计算机构信用评价并更新黑名单（只计入该期间内的违规、处罚、逾期与自查）。"""
    with user_errors(), unit_of_work(_factory(db)) as session:
        rows = credit.compute_ratings(_repo(session, None), period)
        for r in rows:
            why = "；".join(f"{x['item']}{x['points']:+d}" for x in r.reasons) or "无扣分"
            console.print(f"  {r.institution_code}  {r.score:>3} 分  {r.grade}  {why}")


@app.command("blacklist-export")
def blacklist_export(out: Annotated[Path, typer.Argument(help="输出 xlsx")], db: DbUrl = None) -> None:
    """导出联合惩戒名单（xlsx）。"""
    with user_errors(), unit_of_work(_factory(db)) as session:
        out.write_bytes(credit.blacklist_xlsx(_repo(session, None)))
    console.print(f"已导出：{out}")


@app.command("demo-seed")
def demo_seed(
    audit_out: Annotated[Path, typer.Argument(help="审核输出目录（qiandai demo 的 claims-audit）")],
    db: DbUrl = None,
) -> None:
    """向数据库写入一个月的演示工作量（幂等）。"""
    from qiandai.supervision.demo import DEMO_PASSWORDS, seed_demo_month

    with user_errors():
        summary = seed_demo_month(_factory(db), audit_out)
    for line in summary:
        console.print(line)
    console.print("演示账号：" + "，".join(f"{u}/{p}" for u, p in DEMO_PASSWORDS.items()))
