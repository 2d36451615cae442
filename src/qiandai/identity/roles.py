"""Roles of the platform's users, with their Chinese labels.

A user holds one or more roles; what a role may do is checked by the faces (``require_roles``) and
by services for finer rules. *Where* a user may look (organisation, region, institution) is scope, not
role: see :mod:`qiandai.identity.scope`.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    AUDITOR = "auditor"
    REVIEWER = "reviewer"
    INSTITUTION = "institution"
    EXPERT = "expert"
    INTAKE = "intake"
    LEADER = "leader"
    ANTIFRAUD = "antifraud"
    BANK = "bank"
    GRID = "grid"
    GOVERNANCE = "governance"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "系统管理员",
    Role.AUDITOR: "稽核员",
    Role.REVIEWER: "审核员",
    Role.INSTITUTION: "机构用户",
    Role.EXPERT: "专家",
    Role.INTAKE: "举报受理员",
    Role.LEADER: "领导",
    Role.ANTIFRAUD: "反诈中心民警",
    Role.BANK: "银行工作人员",
    Role.GRID: "网格员",
    Role.GOVERNANCE: "反诈办/平安办工作人员",
}


def parse_roles(values: list[str] | tuple[str, ...] | str) -> frozenset[Role]:
    """Roles from their codes (``"auditor,reviewer"`` or a list); unknown codes raise ``ValueError``."""
    items = values.split(",") if isinstance(values, str) else list(values)
    out: set[Role] = set()
    for item in items:
        item = item.strip()
        if not item:
            continue
        try:
            out.add(Role(item))
        except ValueError:
            allowed = "、".join(r.value for r in Role)
            raise ValueError(f"未知角色：{item}（可选：{allowed}）") from None
    return frozenset(out)
