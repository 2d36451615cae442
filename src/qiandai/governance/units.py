"""The unit hierarchy: import from xlsx, navigation (children, descendants, ancestors) and user scope.

Scope rule (the one definition for the whole governance package): an ADMIN or LEADER sees every unit;
any other user sees the unit assigned to them (``gov_user_unit``) and everything below it; a user with
no assigned unit sees nothing. Services filter every governance query by :func:`scope_units`.

The importer is idempotent: re-importing the same sheet changes nothing; a changed sheet updates the
units whose fields changed and reports each change. Rows with errors (unknown parent, a cycle, a
duplicate code, a negative count, an unknown kind) are rejected with the sheet, row, field and a Chinese
reason; every other row is applied in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from qiandai.governance.models.units import Unit, UnitKind, UserUnit, parse_unit_kind
from qiandai.governance.units_sheet import clean_text, iter_nonblank, read_sheet_records
from qiandai.identity.models import User
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.store.base import now_utc

ALL_SCOPE_ROLES = (Role.ADMIN, Role.LEADER)

UNIT_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("单位编码", "编码", "代码", "单位代码", "code"),
    "name": ("单位名称", "名称", "单位", "name"),
    "kind": ("类型", "单位类型", "类别", "kind"),
    "parent": ("上级编码", "上级单位编码", "上级代码", "上级单位", "上级", "parent", "parent_code"),
    "population": ("人口", "户籍人口", "常住人口", "人口数", "population"),
    "staff": ("职工数", "干部职工数", "职工人数", "在职人数", "员工数", "staff"),
}

FIELD_LABELS = {
    "code": "单位编码",
    "name": "单位名称",
    "kind": "类型",
    "parent": "上级编码",
    "population": "人口",
    "staff": "职工数",
}


@dataclass(frozen=True)
class RowProblem:
    """A rejected row of an input sheet (row numbers are the spreadsheet's own, 1-based)."""

    sheet: str
    row: int
    field: str  # Chinese column name
    reason: str  # Chinese

    def as_text(self) -> str:
        return f"工作表“{self.sheet}”第 {self.row} 行【{self.field}】：{self.reason}"


@dataclass
class UnitImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)  # Chinese, one line per changed field
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({(p.sheet, p.row) for p in self.problems})


@dataclass(frozen=True)
class UnitRow:
    sheet: str
    row: int
    code: str
    name: str
    kind: UnitKind
    parent: str | None
    population: int
    staff: int


def _count(value: Any) -> int | None:
    """A non-negative integer count; ``None`` when the cell is not an integer at all. Blank is 0."""
    if value is None or clean_text(value) == "":
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = clean_text(value).replace(",", "").replace("人", "")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def parse_unit_rows(
    raw: Iterable[tuple[str, int, dict[str, Any]]],
) -> tuple[list[UnitRow], list[RowProblem], set[str]]:
    """Field-level checks of raw rows ``(sheet, row, {field: value})``; hierarchy checks come later.

    Returns the readable rows, the problems, and the codes of rejected rows (so that their children
    are reported as "parent not imported" rather than "unknown parent").
    """
    rows: list[UnitRow] = []
    problems: list[RowProblem] = []
    bad_codes: set[str] = set()
    for sheet, row_no, rec in raw:
        code = clean_text(rec.get("code"))
        if isinstance(rec.get("code"), float) and float(rec["code"]).is_integer():
            code = str(int(rec["code"]))
        name = clean_text(rec.get("name"))
        parent = clean_text(rec.get("parent"))
        if isinstance(rec.get("parent"), float) and float(rec["parent"]).is_integer():
            parent = str(int(rec["parent"]))
        errs: list[tuple[str, str]] = []
        if not code:
            errs.append(("code", "单位编码为空"))
        elif len(code) > 32:
            errs.append(("code", "单位编码超过 32 个字符"))
        if not name:
            errs.append(("name", "单位名称为空"))
        kind: UnitKind | None = None
        try:
            kind = parse_unit_kind(clean_text(rec.get("kind")) or "other")
        except ValueError as exc:
            errs.append(("kind", str(exc)))
        counts: dict[str, int] = {}
        for f in ("population", "staff"):
            n = _count(rec.get(f))
            if n is None:
                errs.append((f, f"“{clean_text(rec.get(f))}”不是整数"))
            elif n < 0:
                errs.append((f, f"{FIELD_LABELS[f]}不能为负数（{n}）"))
            else:
                counts[f] = n
        if parent and parent == code:
            errs.append(("parent", "上级编码不能是本单位自身"))
        if errs:
            problems.extend(RowProblem(sheet, row_no, FIELD_LABELS[f], why) for f, why in errs)
            if code:
                bad_codes.add(code)
            continue
        assert kind is not None
        rows.append(
            UnitRow(sheet, row_no, code, name, kind, parent or None, counts["population"], counts["staff"])
        )
    return rows, problems, bad_codes


def _depths(parents: dict[str, str | None]) -> tuple[dict[str, int], set[str], set[str]]:
    """Depth of every code (root = 1), the codes on a cycle, and the codes whose ancestry breaks."""
    depth: dict[str, int] = {}
    cyclic: set[str] = set()
    broken: set[str] = set()
    for start in parents:
        path: list[str] = []
        seen: set[str] = set()
        node: str | None = start
        while node is not None and node not in depth and node not in cyclic and node not in broken:
            if node in seen:
                cyclic.update(path[path.index(node) :])
                break
            if node not in parents:
                broken.add(path[-1]) if path else None
                break
            seen.add(node)
            path.append(node)
            node = parents[node]
        base: int | None
        if node is None:
            base = 0
        elif node in depth:
            base = depth[node]
        else:
            base = None
        for n in reversed(path):
            if n in cyclic:
                continue
            if base is None:
                broken.add(n)
            else:
                base += 1
                depth[n] = base
    return depth, cyclic, broken - cyclic


def import_unit_rows(session: Session, raw: Iterable[tuple[str, int, dict[str, Any]]]) -> UnitImportReport:
    """Validate and apply unit rows; the caller's unit of work commits. See the module docstring."""
    report = UnitImportReport()
    rows, problems, bad_codes = parse_unit_rows(raw)
    report.problems.extend(problems)

    by_code: dict[str, UnitRow] = {}
    first_row: dict[str, tuple[str, int]] = {}
    for r in rows:
        if r.code in by_code or r.code in first_row:
            where = first_row.get(r.code) or (by_code[r.code].sheet, by_code[r.code].row)
            report.problems.append(
                RowProblem(r.sheet, r.row, "单位编码", f"单位编码 {r.code} 重复（已出现在第 {where[1]} 行）")
            )
            if r.code in by_code:
                first = by_code.pop(r.code)
                first_row[r.code] = (first.sheet, first.row)
                report.problems.append(
                    RowProblem(
                        first.sheet, first.row, "单位编码", f"单位编码 {r.code} 重复（又出现在第 {r.row} 行）"
                    )
                )
            continue
        by_code[r.code] = r

    existing = {u.code: u for u in session.scalars(select(Unit))}
    rejected_codes = set(first_row) | {c for c in bad_codes if c not in existing}
    # iterate: rejecting a row can orphan its children, so repeat until stable
    while True:
        parents: dict[str, str | None] = {c: u.parent_code for c, u in existing.items()}
        for code, r in by_code.items():
            parents[code] = r.parent
        for code in rejected_codes:
            if code not in existing:
                parents.pop(code, None)
        depth, cyclic, broken = _depths(parents)
        new_bad: list[tuple[UnitRow, str]] = []
        for code, r in by_code.items():
            if code in cyclic:
                new_bad.append((r, f"上级关系形成循环（涉及 {'、'.join(sorted(cyclic))}）"))
            elif code in broken and r.parent is not None and r.parent not in parents:
                why = (
                    f"上级单位 {r.parent} 本次未能导入（见其所在行的问题）"
                    if r.parent in rejected_codes
                    else f"上级编码 {r.parent} 不存在（既不在本表中，也不在已有单位中）"
                )
                new_bad.append((r, why))
        if not new_bad:
            new_bad = [(r, f"上级单位 {r.parent} 的上级链不完整") for c, r in by_code.items() if c in broken]
        if not new_bad:
            break
        for r, why in new_bad:
            report.problems.append(RowProblem(r.sheet, r.row, "上级编码", why))
            by_code.pop(r.code, None)
            rejected_codes.add(r.code)
    now = now_utc()
    for code, r in by_code.items():
        unit = existing.get(code)
        if unit is None:
            session.add(
                Unit(
                    code=code,
                    name=r.name,
                    kind=r.kind.value,
                    parent_code=r.parent,
                    level=depth[code],
                    population=r.population,
                    staff=r.staff,
                    updated_at=now,
                )
            )
            report.created.append(code)
            continue
        diffs: list[str] = []
        for attr, label, new in (
            ("name", "名称", r.name),
            ("kind", "类型", r.kind.value),
            ("parent_code", "上级编码", r.parent),
            ("population", "人口", r.population),
            ("staff", "职工数", r.staff),
        ):
            old = getattr(unit, attr)
            if old != new:
                shown_old = UnitKind(old).label if attr == "kind" else (old if old is not None else "（无）")
                shown_new = (
                    UnitKind(str(new)).label
                    if attr == "kind" and new
                    else (new if new is not None else "（无）")
                )
                diffs.append(f"{code} {r.name}：{label} {shown_old} → {shown_new}")
                setattr(unit, attr, new)
        if diffs:
            unit.updated_at = now
            report.updated.append(code)
            report.changes.extend(diffs)
        else:
            report.unchanged += 1
    # levels follow the (possibly re-parented) tree, for existing units too
    for code, unit in existing.items():
        if code in depth and unit.level != depth[code]:
            unit.level = depth[code]
    session.flush()
    report.problems.sort(key=lambda p: (p.sheet, p.row))
    return report


def import_units_xlsx(session: Session, path: Path) -> UnitImportReport:
    """Import the unit hierarchy from every sheet of ``path`` that has a unit header."""
    sheets = read_sheet_records(path, UNIT_HEADERS, ("code", "name", "parent"), label="单位表")
    raw = [(s.sheet, row, rec) for s in sheets for row, rec in iter_nonblank(s)]
    return import_unit_rows(session, raw)


# --- navigation -----------------------------------------------------------------------------------


def all_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.level, Unit.code)))


def get_unit(session: Session, code: str) -> Unit:
    """The unit ``code``; :class:`NotFoundError` (Chinese) when there is none."""
    unit = session.get(Unit, code)
    if unit is None:
        raise NotFoundError(f"单位不存在：{code}")
    return unit


def _children_map(session: Session) -> dict[str | None, list[str]]:
    out: dict[str | None, list[str]] = defaultdict(list)
    for code, parent in session.execute(select(Unit.code, Unit.parent_code).order_by(Unit.code)):
        out[parent].append(code)
    return out


def children(session: Session, code: str) -> list[Unit]:
    """Direct children of ``code``, by code."""
    return list(session.scalars(select(Unit).where(Unit.parent_code == code).order_by(Unit.code)))


def descendants(session: Session, code: str) -> set[str]:
    """Codes of ``code`` and every unit below it."""
    get_unit(session, code)
    kids = _children_map(session)
    out: set[str] = set()
    stack = [code]
    while stack:
        node = stack.pop()
        if node in out:
            continue
        out.add(node)
        stack.extend(kids.get(node, []))
    return out


def ancestors(session: Session, code: str) -> list[Unit]:
    """The chain above ``code``, nearest first (the county last); excludes the unit itself."""
    unit = get_unit(session, code)
    out: list[Unit] = []
    seen = {unit.code}
    while unit.parent_code is not None and unit.parent_code not in seen:
        parent = session.get(Unit, unit.parent_code)
        if parent is None:
            break
        out.append(parent)
        seen.add(parent.code)
        unit = parent
    return out


def units_at_level(session: Session, level: int, *, codes: Iterable[str] | None = None) -> list[Unit]:
    """Units at depth ``level`` (1 = county), optionally limited to ``codes``."""
    stmt = select(Unit).where(Unit.level == level).order_by(Unit.code)
    units = list(session.scalars(stmt))
    if codes is not None:
        allowed = set(codes)
        units = [u for u in units if u.code in allowed]
    return units


# --- scope ----------------------------------------------------------------------------------------


def user_unit(session: Session, user_id: int) -> str | None:
    row = session.get(UserUnit, user_id)
    return row.unit_code if row is not None else None


def sees_all(principal: Principal) -> bool:
    return principal.has_role(*ALL_SCOPE_ROLES)


def scope_units(session: Session, principal: Principal) -> frozenset[str]:
    """Unit codes ``principal`` may see: all for ADMIN/LEADER, else their unit's subtree, else none."""
    if sees_all(principal):
        return frozenset(session.scalars(select(Unit.code)))
    code = user_unit(session, principal.user_id)
    if code is None or session.get(Unit, code) is None:
        return frozenset()
    return frozenset(descendants(session, code))


def require_unit_in_scope(session: Session, principal: Principal, code: str) -> Unit:
    """The unit ``code`` when ``principal`` may see it; otherwise the same 404 as a missing unit."""
    unit = get_unit(session, code)
    if code not in scope_units(session, principal):
        raise NotFoundError(f"单位不存在：{code}")
    return unit


def can_manage(session: Session, principal: Principal) -> bool:
    """ADMIN, or a GOVERNANCE user of a top-level unit (the county's 反诈办): may change units and targets."""
    if principal.has_role(Role.ADMIN):
        return True
    if not principal.has_role(Role.GOVERNANCE):
        return False
    code = user_unit(session, principal.user_id)
    unit = session.get(Unit, code) if code is not None else None
    return unit is not None and unit.parent_code is None


def require_manager(session: Session, principal: Principal) -> Principal:
    if not can_manage(session, principal):
        raise PermissionDeniedError("只有系统管理员或县级反诈办工作人员可以修改单位层级和安装目标")
    return principal


def assign_user(session: Session, username: str, unit_code: str) -> UserUnit:
    """Scope the user ``username`` to ``unit_code`` (replacing any earlier assignment)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidInputError(f"用户不存在：{username}")
    get_unit(session, unit_code)
    row = session.get(UserUnit, user.id)
    if row is None:
        row = UserUnit(user_id=user.id, unit_code=unit_code, assigned_at=now_utc())
        session.add(row)
    else:
        row.unit_code = unit_code
        row.assigned_at = now_utc()
    session.flush()
    return row


@dataclass
class TreeNode:
    unit: Unit
    children: list[TreeNode] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        u = self.unit
        return {
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "kind_label": u.kind_label,
            "level": u.level,
            "parent_code": u.parent_code,
            "population": u.population,
            "staff": u.staff,
            "children": [c.as_dict() for c in self.children],
        }


def tree(session: Session, principal: Principal) -> list[TreeNode]:
    """The hierarchy visible to ``principal``: one root per top-most visible unit."""
    visible = scope_units(session, principal)
    units = {u.code: u for u in all_units(session) if u.code in visible}
    nodes = {c: TreeNode(u) for c, u in units.items()}
    roots: list[TreeNode] = []
    for code in sorted(units, key=lambda c: (units[c].level, c)):
        node = nodes[code]
        parent = units[code].parent_code
        if parent is not None and parent in nodes:
            nodes[parent].children.append(node)
        else:
            roots.append(node)
    return roots


def flatten(roots: list[TreeNode]) -> list[tuple[int, Unit]]:
    """Depth-first ``(depth, unit)`` pairs for tables (depth 0 = a visible root)."""
    out: list[tuple[int, Unit]] = []

    def walk(node: TreeNode, depth: int) -> None:
        out.append((depth, node.unit))
        for child in node.children:
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return out
