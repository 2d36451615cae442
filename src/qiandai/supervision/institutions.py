"""The institution register (定点医药机构): from audit findings, from an xlsx/CSV register, by hand.

Codes of the national format carry their region and type: ``H33010200003`` is a medical institution
(``H``) in region ``330102``, ``P…`` a pharmacy. A hospital whose name says 社区卫生服务中心/卫生院/
诊所/卫生室 is a clinic. An explicit register (xlsx or CSV with the Chinese headers below) overrides.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from qiandai.domain.errors import InputFileError, InvalidInputError
from qiandai.supervision.models import Institution
from qiandai.supervision.repository import ScopedRepository

KINDS = {"hospital": "医院", "clinic": "基层医疗机构", "pharmacy": "药店"}
_CLINIC_WORDS = ("社区卫生服务", "卫生院", "诊所", "卫生室", "门诊部")
_CODE = re.compile(r"^([HP])(\d{6})\d+$")
HEADERS = {
    "机构编码": "code",
    "机构名称": "name",
    "机构类型": "kind",
    "机构等级": "level",
    "行政区划": "region_code",
    "风险分": "risk_score",
}
_KIND_WORDS = {"医院": "hospital", "基层医疗机构": "clinic", "诊所": "clinic", "药店": "pharmacy"}


def infer(code: str, name: str | None, default_region: str = "000000") -> tuple[str, str]:
    """``(kind, region_code)`` inferred from a national institution code and name."""
    m = _CODE.match(code)
    region = m.group(2) if m else default_region
    if m and m.group(1) == "P":
        return "pharmacy", region
    if name and any(w in name for w in _CLINIC_WORDS):
        return "clinic", region
    return "hospital", region


def ensure(
    repo: ScopedRepository, code: str, name: str | None, default_region: str = "000000"
) -> Institution:
    """Return institution ``code``, registering it from its code and name when new (idempotent)."""
    inst = repo.institution_any(code)
    if inst is not None:
        return inst
    kind, region = infer(code, name, default_region)
    return repo.add(
        Institution(
            code=code,
            name=name or code,
            kind=kind,
            level=None,
            region_code=region,
            risk_score=Decimal("0"),
            agreement_status="active",
        )
    )


def upsert(repo: ScopedRepository, row: dict[str, str]) -> Institution:
    """Insert or update one register row (keys: code, name, kind, level, region_code, risk_score)."""
    code = (row.get("code") or "").strip()
    if not code:
        raise InvalidInputError("机构编码不能为空")
    kind = _KIND_WORDS.get(row.get("kind") or "", row.get("kind") or "")
    if kind and kind not in KINDS:
        raise InvalidInputError(f"机构 {code} 的类型无效：{row.get('kind')}")
    inst = ensure(repo, code, row.get("name"), row.get("region_code") or "000000")
    if row.get("name"):
        inst.name = row["name"]
    if kind:
        inst.kind = kind
    if row.get("level"):
        inst.level = row["level"]
    if row.get("region_code"):
        if not re.fullmatch(r"\d{6}", row["region_code"]):
            raise InvalidInputError(f"机构 {code} 的行政区划代码应为 6 位数字")
        inst.region_code = row["region_code"]
    if row.get("risk_score") not in (None, ""):
        try:
            inst.risk_score = Decimal(str(row["risk_score"])).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise InvalidInputError(f"机构 {code} 的风险分无效：{row['risk_score']}") from None
    repo.session.flush()
    return inst


def read_register(path: Path) -> list[dict[str, str]]:
    """Rows of an xlsx or CSV register with the Chinese headers of :data:`HEADERS`."""
    if not path.exists():
        raise InputFileError(str(path), "文件不存在")
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            raw = list(csv.DictReader(fh))
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        ws = load_workbook(path, read_only=True, data_only=True).active
        rows = [list(r) for r in ws.iter_rows(values_only=True)] if ws is not None else []
        header = [str(h or "").strip() for h in rows[0]] if rows else []
        raw = [{h: ("" if v is None else str(v)) for h, v in zip(header, r, strict=False)} for r in rows[1:]]
    else:
        raise InputFileError(str(path), "仅支持 .xlsx 或 .csv")
    if raw and "机构编码" not in raw[0]:
        raise InputFileError(str(path), f"缺少表头：机构编码（应有 {'、'.join(HEADERS)}）")
    return [{HEADERS[k]: (v or "").strip() for k, v in r.items() if k in HEADERS} for r in raw]
