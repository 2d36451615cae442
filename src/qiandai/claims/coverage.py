"""Coverage of the national rule catalog (2025, 88 classes) by the claims engine.

The registry is the code itself: every rule of a rule set names its national class through its code
(``GZ…``/``ZB…`` 1.0 codes and ``CAT2025-NNN`` map to one catalog sequence number; ``QD-NNNN`` local
extensions map to none), and the non-rule engines (indicators, stock reconciliation) declare the
classes they serve in :data:`OTHER_IMPLEMENTATIONS`. Classes that nothing implements must carry a
reason in :data:`GAPS`; :func:`class_coverage` refuses a class with neither, so the published
document (``docs/rule-coverage.md``, written by ``qiandai claims coverage``) cannot go stale silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from qiandai.domain.errors import RuleDefinitionError
from qiandai.knowledge import catalog
from qiandai.rules.model import RuleSetVersion


class Status(StrEnum):
    IMPLEMENTED = "已实现"
    NEEDS_DATA = "需要国家表以外的数据"
    NOT_YET = "可实现，尚未实现"
    NOT_APPLICABLE = "不适用"


# Classes served by engines other than the rule pack: seq → what implements it.
OTHER_IMPLEMENTATIONS: dict[int, str] = {
    56: "qiandai.claims.indicators（drug_share 药费占比，按机构、期间与同组比较）",
    57: "qiandai.claims.indicators（lab_exam_share 检验检查占比）",
    58: "qiandai.claims.indicators（consumable_share 耗材占比）",
    59: "qiandai.claims.indicators（treatment_share 治疗占比）",
    60: "qiandai.claims.indicators（ct_share CT检查占比，项目编码前缀 002103）",
    61: "qiandai.claims.indicators（mri_share 核磁检查占比，项目编码前缀 002102）",
    63: "qiandai.claims.indicators（readmit_31d_rate 31天再入院率；提取表不区分计划与非计划，为上限）",
}

_KP = "国家尚未发布该类知识点（2025年版目录列出类别，第1–17批及2026-01更新均未含明细）"
_NO_KP = "该类无国家知识点明细（has_kp_detail = false），需地方规则参数表"

# Why a class is not implemented: seq → (status, reason). A class listed here and implemented is an error.
GAPS: dict[int, tuple[Status, str]] = {
    5: (Status.NEEDS_DATA, "需一线药品使用记录或无效/不耐受证据（病历、既往用药），国家提取表不含"),
    11: (Status.NEEDS_DATA, "需地方门诊慢特病病种目录及其药品范围"),
    16: (Status.NEEDS_DATA, _NO_KP + "（限工伤保险的诊疗项目目录）"),
    17: (Status.NEEDS_DATA, _NO_KP + "（限生育保险的诊疗项目目录）"),
    19: (Status.NEEDS_DATA, _NO_KP + "（限儿童的诊疗项目目录）；第1批已列的儿童项目归第80类"),
    20: (Status.NEEDS_DATA, _NO_KP + "（诊疗项目医保支付限定适应症→诊断对照）；临床适应证见第83类"),
    21: (
        Status.NEEDS_DATA,
        _NO_KP + "（诊疗项目限定科室目录）；开单科室 bilg_dept_codg 可读，缺项目↔科室对照",
    ),
    24: (Status.NEEDS_DATA, _NO_KP + "（诊疗项目限定机构级别目录）"),
    28: (Status.NEEDS_DATA, _NO_KP + "（诊疗项目限定报销总额）"),
    30: (Status.NEEDS_DATA, _NO_KP + "（项目内涵已含的耗材清单）"),
    32: (Status.NEEDS_DATA, _KP + "；另需耗材的适用人群（说明书/注册证），国家耗材编码不含"),
    33: (Status.NEEDS_DATA, _KP + "；另需耗材的适用人群（说明书/注册证），国家耗材编码不含"),
    34: (Status.NEEDS_DATA, _NO_KP + "（耗材限定报销总额）"),
    47: (Status.NEEDS_DATA, "需互联网诊疗标识：国家提取表 MDTRT_D 不区分互联网医院就诊"),
    48: (Status.NEEDS_DATA, "需医用耗材进销存数据：国家提取表不含；药品进销存表（DRUG_*_D）暂不含耗材"),
    62: (Status.NEEDS_DATA, "需院内感染监测数据（感染登记），国家提取表不含"),
    64: (Status.NEEDS_DATA, "需药品↔诊疗项目对应关系（如注射药品需注射操作）：无国家知识点"),
    68: (Status.NEEDS_DATA, _KP + "；另需单次剂量（sin_dos_dscr 为自由文本）"),
    75: (
        Status.NEEDS_DATA,
        _KP + "；十八反十九畏可按药典整理，但需中药饮片国家编码↔品名对照（知识库只含第11批饮片）",
    ),
    76: (Status.NEEDS_DATA, _KP + "；另需全国统一的饮片处方味数/剂数上限（各地标准不一）"),
    77: (
        Status.NEEDS_DATA,
        _KP + "；另需每味饮片的药典日用量上限及 FEE_LIST_D 中的剂数（cnt 不区分克数与剂数）",
    ),
    78: (Status.NEEDS_DATA, _KP + "；另需检验检查项目↔指征诊断对照（无公开的全国对照表）"),
    79: (Status.NEEDS_DATA, _KP + "；另需治疗项目↔指征诊断对照（已实现的血液透析适应证见第83类）"),
    84: (Status.NEEDS_DATA, "规则_项目关联 以耗材大类（C）与旧版编码描述，需映射到国家耗材编码"),
    85: (Status.NEEDS_DATA, _NO_KP + "（耗材限定科室）"),
    86: (Status.NEEDS_DATA, _NO_KP + "（耗材单次限量）"),
    87: (Status.NEEDS_DATA, _KP + "；另需耗材的性别适用范围，国家耗材编码（C…）不含"),
    88: (Status.NEEDS_DATA, _KP + "；另需耗材↔适用疾病对照，国家耗材编码不含"),
}

_CAT = re.compile(r"^CAT2025-(\d{3})$")


@dataclass(frozen=True)
class ClassCoverage:
    """One catalog class and how Qiandai covers it."""

    seq: int
    tier1: str
    tier2: str
    name: str
    code: str
    status: Status
    implemented_by: tuple[str, ...]
    reason: str


def class_of_code(code: str) -> int | None:
    """Catalog sequence number of a rule code; None for local extensions (``QD-…``).

    Raises RuleDefinitionError for a GZ/ZB/CAT code that is not a class of the 2025 catalog.
    """
    if code.startswith("QD-"):
        return None
    match = _CAT.match(code)
    if match:
        seq = int(match.group(1))
        if any(rc.seq == seq for rc in catalog()):
            return seq
    for rc in catalog():
        if rc.gz_code == code:
            return rc.seq
    raise RuleDefinitionError(f"规则编码 {code} 不对应2025年版规则目录中的任何类别")


def class_coverage(version: RuleSetVersion) -> list[ClassCoverage]:
    """Every catalog class with its status: implemented (by which rules), or why not."""
    by_class: dict[int, list[str]] = {}
    for rule in version.rules:
        seq = class_of_code(rule.code)
        if seq is not None and rule.enabled:
            by_class.setdefault(seq, []).append(rule.rule_id)
    for seq, what in OTHER_IMPLEMENTATIONS.items():
        by_class.setdefault(seq, []).append(what)
    rows = []
    for rc in catalog():
        code = rc.gz_code or f"CAT2025-{rc.seq:03d}"
        done = by_class.get(rc.seq)
        if done and rc.seq in GAPS:
            raise RuleDefinitionError(f"类别 {rc.seq} {rc.name} 已实现，请从 GAPS 中删除")
        if done:
            rows.append(
                ClassCoverage(rc.seq, rc.tier1, rc.tier2, rc.name, code, Status.IMPLEMENTED, tuple(done), "")
            )
            continue
        if rc.seq not in GAPS:
            raise RuleDefinitionError(f"类别 {rc.seq} {rc.name} 既未实现也未说明原因（coverage.GAPS）")
        status, reason = GAPS[rc.seq]
        rows.append(ClassCoverage(rc.seq, rc.tier1, rc.tier2, rc.name, code, status, (), reason))
    return rows


def local_rules(version: RuleSetVersion) -> list[tuple[str, str, str]]:
    """(rule_id, code, name) of the enabled local extensions (``QD-…``)."""
    return [(r.rule_id, r.code, r.name) for r in version.rules if r.enabled and class_of_code(r.code) is None]


def render_markdown(version: RuleSetVersion) -> str:
    """The coverage document (``docs/rule-coverage.md``), generated from the registry."""
    rows = class_coverage(version)
    counts = {s: sum(1 for r in rows if r.status is s) for s in Status}
    tiers: dict[str, list[ClassCoverage]] = {}
    for r in rows:
        tiers.setdefault(r.tier1, []).append(r)
    out = [
        "# Coverage of the national rule catalog (2025, 88 classes)",
        "",
        "<!-- Generated by `qiandai claims coverage --out docs/rule-coverage.md` from the rule registry",
        f"     ({version.label}) and src/qiandai/claims/coverage.py. Do not edit by hand. -->",
        "",
        f"Rule set `{version.label}`: **{counts[Status.IMPLEMENTED]} of {len(rows)} classes implemented**, "
        f"{counts[Status.NOT_YET]} implementable from the national tables but not done yet, "
        f"{counts[Status.NEEDS_DATA]} need data that the national tables and knowledge base lack, "
        f"{counts[Status.NOT_APPLICABLE]} not applicable.",
        "",
        "| tier | implemented | not yet | needs data | not applicable |",
        "|---|---|---|---|---|",
    ]
    for tier, items in tiers.items():
        c = {s: sum(1 for r in items if r.status is s) for s in Status}
        out.append(
            f"| {tier} | {c[Status.IMPLEMENTED]} | {c[Status.NOT_YET]} | {c[Status.NEEDS_DATA]} "
            f"| {c[Status.NOT_APPLICABLE]} |"
        )
    out += ["", "| # | class | tier | code | status | rules / reason |", "|---|---|---|---|---|---|"]
    for r in rows:
        detail = ", ".join(f"`{x}`" for x in r.implemented_by) if r.implemented_by else r.reason
        out.append(f"| {r.seq} | {r.name} | {r.tier1} / {r.tier2} | {r.code} | {r.status} | {detail} |")
    extras = local_rules(version)
    if extras:
        out += [
            "",
            "## Local extensions (not classes of the catalog)",
            "",
            "| rule | code | name |",
            "|---|---|---|",
        ]
        out += [f"| `{rid}` | {code} | {name} |" for rid, code, name in extras]
    return "\n".join(out) + "\n"
