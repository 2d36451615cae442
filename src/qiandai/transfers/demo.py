"""Anti-fraud demo data for `qiandai demo`: the police, bank and grid-worker accounts, warning units,
three warnings routed to the grid worker's unit and a few dozen decided transfers (some stopped), so
that the 反诈 pages of the console have something to show. Idempotent: a second call adds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from qiandai.identity import service as identity
from qiandai.store.base import now_utc
from qiandai.store.database import unit_of_work
from qiandai.transfers import warning_service
from qiandai.transfers.model import Channel, Decision, Transfer
from qiandai.transfers.runtime import TransferRuntime
from qiandai.transfers.warnings import Level, SlaPolicy, Unit, WarningDraft

PASSWORD = "qiandai-demo-2025"
GRID_UNIT = "GRID-330106"
USERS = {
    "police": ("反诈中心民警刘洋", "antifraud", "330100"),
    "bank": ("银行柜员孙丽", "bank", "330100"),
    "grid": ("网格员吴强", "grid", "330106"),
}
_WARNINGS = [
    (Level.HIGH, "正在与冒充公检法人员通话并准备转账", "冒充公检法", "王建国", "13800001111", "50000"),
    (Level.MEDIUM, "下载了虚假投资理财 App", "虚假投资理财", "李秀英", "13900002222", "8000"),
    (Level.LOW, "多次访问刷单返利网站", "刷单返利", "赵敏", "13700003333", "1200"),
]


def _users(session: Session) -> int:
    identity.ensure_organisation(session, GRID_UNIT, "西湖区北山街道网格", "grid", "330106")
    created = 0
    for username, (name, role, region) in USERS.items():
        if identity.user_principal(session, username) is None:
            identity.create_user(
                session,
                username=username,
                password=PASSWORD,
                display_name=name,
                roles=role,
                region_code=region,
                org_code=GRID_UNIT if role == "grid" else None,
            )
            created += 1
    return created


def seed_demo_antifraud(factory: sessionmaker[Session]) -> list[str]:
    """Write the anti-fraud demo data; return Chinese summary lines."""
    now = now_utc()
    with unit_of_work(factory) as session:
        users = _users(session)
        warning_service.put_unit(session, Unit(GRID_UNIT, "西湖区北山街道网格", "村网格", "330106"))
        warning_service.put_unit(session, Unit("FZZX-330102", "上城区反诈中心", "反诈中心", "330102"))
        drafts = [
            WarningDraft(
                "feed",
                level,
                [reason],
                fraud_type,
                external_id=f"DEMO-{i}",
                victim_name=name,
                victim_phone=phone,
                victim_account=f"62220210000{i:05d}",
                victim_region="330106",
                amount=Decimal(amount),
            )
            for i, (level, reason, fraud_type, name, phone, amount) in enumerate(_WARNINGS)
        ]
        warnings = warning_service.create_warnings(session, drafts, SlaPolicy(), now - timedelta(minutes=10))
    runtime = TransferRuntime(factory)
    stopped = 0
    try:
        for i in range(40):
            risky = i % 8 == 0
            decision = runtime.decide(
                Transfer(
                    transfer_id=f"DEMO-TX-{i:04d}",
                    payer_account=f"6222020000{i:06d}",
                    payee_account="6229000099990001" if risky else f"6228000000{i % 7:06d}",
                    amount=Decimal("48000") if risky else Decimal("120") + i,
                    channel=Channel.MOBILE,
                    occurred_at=now - timedelta(minutes=40 - i),
                    payer_region="330106",
                    payer_age=72 if risky else 35,
                    remote_control=risky,
                    screen_sharing=risky,
                    on_call=risky,
                    payee_account_age_days=2 if risky else 900,
                )
            )
            stopped += int(decision["decision"] in (Decision.BLOCK, Decision.DELAY))
        runtime.log.flush()
    finally:
        runtime.close()
    return [
        f"反诈演示：新增账号 {users} 个，新增预警 {warnings} 条，转账决策 40 笔（拦截或延迟 {stopped} 笔）"
    ]
