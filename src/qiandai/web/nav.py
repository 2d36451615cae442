"""Role-based navigation: which menu entries a user sees (pages check roles again on their own)."""

from __future__ import annotations

from dataclasses import dataclass

from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role

A, AU, RV, LD, IN, EX, IT = (
    Role.ADMIN,
    Role.AUDITOR,
    Role.REVIEWER,
    Role.LEADER,
    Role.INSTITUTION,
    Role.EXPERT,
    Role.INTAKE,
)
AF, BK, GR = Role.ANTIFRAUD, Role.BANK, Role.GRID


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    href: str
    roles: frozenset[Role]


def _n(section: str, label: str, href: str, *roles: Role) -> NavItem:
    return NavItem(section, label, href, frozenset(roles))


NAV: tuple[NavItem, ...] = (
    _n("医保基金监管", "监管概览", "/yb", A, AU, RV, LD, IN),
    _n("医保基金监管", "审核批次", "/yb/runs", A, AU, RV, LD),
    _n("医保基金监管", "疑点审核", "/yb/review", A, AU, RV, LD, IN, EX),
    _n("医保基金监管", "立案", "/yb/case-intake", A, AU, RV, LD),
    _n("医保基金监管", "案件办理", "/yb/cases", A, AU, RV, LD, IN),
    _n("医保基金监管", "双随机抽查", "/yb/draws", A, AU, RV, LD, EX),
    _n("医保基金监管", "整改台账", "/yb/rectifications", A, AU, RV, LD, IN),
    _n("医保基金监管", "举报受理", "/yb/reports", A, AU, LD, IT),
    _n("医保基金监管", "举报奖励", "/yb/rewards", A, AU, LD, IT),
    _n("医保基金监管", "通报曝光", "/yb/circulars", A, AU, RV, LD),
    _n("医保基金监管", "自查自纠", "/yb/self-inspections", A, AU, RV, LD, IN),
    _n("医保基金监管", "要情报告", "/yb/major-reports", A, AU, RV, LD),
    _n("医保基金监管", "定点机构", "/yb/institutions", A, AU, RV, LD, IN, EX),
    _n("医保基金监管", "知识库", "/yb/kb", A, AU, RV, LD, IN, EX, IT),
    _n("反电诈", "实时看板", "/fz", A, AF, LD, BK),
    _n("反电诈", "预警劝阻", "/fz/warnings", A, AF, LD, GR),
    _n("反电诈", "止付冻结", "/fz/holds", A, AF, BK),
    _n("反电诈", "名单管理", "/fz/lists", A, AF),
    _n("反电诈", "场景规则", "/fz/scenarios", A, AF, BK),
    _n("反电诈", "防诈骗宝典", "/handbook", A, AU, RV, LD, IN, EX, IT, AF, BK, GR),
    _n("断卡筛查", "涉诈电话卡", "/sim", A, AF, LD),
    _n("断卡筛查", "涉诈账户", "/dk/accounts", A, AF, BK, LD),
    _n("断卡筛查", "惩戒名单", "/dk/punish", A, AF, BK),
    _n("断卡筛查", "开户核验", "/dk/opening", A, BK),
    _n("反诈治理", "单位", "/gov/units", A, LD, Role.GOVERNANCE),
    _n("反诈治理", "反诈App安装", "/gov/installs", A, LD, Role.GOVERNANCE),
    _n("反诈治理", "案件统计", "/gov/cases", A, LD, Role.GOVERNANCE),
    _n("反诈治理", "无诈村/无诈单位", "/gov/fraudfree", A, LD, Role.GOVERNANCE),
    _n("反诈治理", "宣传台账", "/gov/publicity", A, LD, Role.GOVERNANCE),
    _n("反诈治理", "重点人员", "/gov/persons", A, LD, Role.GOVERNANCE),
    _n("反诈治理", "通报", "/gov/reports", A, LD, Role.GOVERNANCE),
)


def menu(principal: Principal | None, path: str) -> list[tuple[str, list[tuple[NavItem, bool]]]]:
    """Sections with their visible entries and whether each is the current page."""
    if principal is None:
        return []
    sections: dict[str, list[tuple[NavItem, bool]]] = {}
    for item in NAV:
        if principal.has_role(*item.roles):
            current = path == item.href or (item.href not in ("/yb", "/fz") and path.startswith(item.href))
            sections.setdefault(item.section, []).append((item, current))
    return list(sections.items())


def home_for(principal: Principal) -> str:
    """The landing page of a user: the first entry of their menu."""
    for item in NAV:
        if principal.has_role(*item.roles):
            if item.href == "/fz" and principal.has_role(GR) and not principal.has_role(AF, A, LD):
                return "/fz/warnings"
            return item.href
    return "/report"
