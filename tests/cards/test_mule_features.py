"""Account features, grades and networks of the mule-account screening on hand-built transfer sets."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from cards_helpers import T0, frame, tx

from qiandai.cards.runs import run_from_frame
from qiandai.cards.screening import ScreeningParams
from qiandai.domain.errors import InputFileError

GANG = {"device_id": "gang-dev", "ip": "gang-ip"}


def _chain() -> list[dict[str, object]]:
    rows = []
    for i, amount in enumerate([5000.0, 8000.0, 12000.0]):
        start = i * 100
        rows.append(tx(f"V{i}", "C1", amount, start))
        rows.append(tx("C1", "M1", round(amount * 0.95, 2), start + 10, **GANG))
        rows.append(tx("M1", "X1", round(amount * 0.9, 2), start + 20, **GANG))
    rows.append(tx("G1", "M1", 500.0, 400, **GANG))
    return rows


def _normal() -> list[dict[str, object]]:
    rows = [tx(f"P{i}", "SHOP", 88.0 + i, 30 * i) for i in range(15)]  # a merchant: many payers, no outflow
    rows.append(tx("EMPLOYER", "N1", 3000.0, 0))
    rows.append(tx("N1", "SHOP", 200.0, 3 * 24 * 60))
    rows.append(tx("N1", "FAMILY", 1000.0, 4 * 24 * 60))
    return rows


def _hub() -> list[dict[str, object]]:
    rows = []
    for i in range(12):
        rows.append(tx(f"IN{i}", "HUB", 1000.0, 1000 + i * 30))
        rows.append(tx("HUB", f"OUT{i}", 1000.0, 1000 + i * 30 + 5))
    return rows


@pytest.fixture(scope="module")
def screened() -> pd.DataFrame:
    _, result = run_from_frame(frame(_chain() + _normal() + _hub()))
    return result.accounts.set_index("account")


def test_collector_is_high_with_fast_pass_through_and_shared_device(screened: pd.DataFrame) -> None:
    c = screened.loc["C1"]
    assert c["grade"] == "高"
    assert c["f_fast_share"] == pytest.approx(0.95, abs=0.001)
    assert c["f_dwell_median_min"] == pytest.approx(10.0)
    assert c["f_device_accounts"] == 3
    reasons = "；".join(c["reasons"])
    assert "快进快出：95% 的转入资金在 60 分钟内转出" in reasons
    assert "同一设备登录 3 个账户" in reasons


def test_mover_and_cash_out_are_found_through_the_flow_and_the_network(screened: pd.DataFrame) -> None:
    assert screened.loc["M1", "grade"] == "高"
    x = screened.loc["X1"]
    assert x["f_out_count"] == 0 and x["f_from_suspicious_share"] == pytest.approx(1.0)
    assert x["grade"] == "高"
    assert any("来自可疑账户" in r for r in x["reasons"])
    assert any("属于关联账户网络" in r for r in x["reasons"])
    nets = {int(screened.loc[a, "network_id"]) for a in ("C1", "M1", "X1", "G1")}  # type: ignore[arg-type]
    assert len(nets) == 1


def test_ordinary_accounts_and_merchants_stay_low(screened: pd.DataFrame) -> None:
    for account in ("SHOP", "N1", "EMPLOYER", "FAMILY", "P3", "V0"):
        assert screened.loc[account, "grade"] == "低", account
    assert screened.loc["SHOP", "f_fan_in"] == 16
    assert screened.loc["SHOP", "f_fast_share"] == 0


def test_fan_in_fan_out_and_round_amounts(screened: pd.DataFrame) -> None:
    hub = screened.loc["HUB"]
    assert (hub["f_fan_in"], hub["f_fan_out"]) == (12, 12)
    assert hub["f_round_share"] == 1.0
    reasons = "；".join(hub["reasons"])
    assert "多对一归集：12 个付款方" in reasons and "一对多分散：快速转给 12 个收款方" in reasons
    assert "整数金额交易占 100%" in reasons
    assert hub["grade"] == "高"


def test_networks_carry_their_flow() -> None:
    _, result = run_from_frame(frame(_chain()))
    nets = result.networks
    assert len(nets) == 1
    net = nets.iloc[0]
    assert net["size"] == 4  # C1, M1, X1 and G1 (linked to them by the shared device)
    internal = sum(a * 0.95 + a * 0.9 for a in (5000.0, 8000.0, 12000.0)) + 500.0
    assert net["flow_internal"] == pytest.approx(internal, abs=0.05)
    assert net["flow_in"] == pytest.approx(25000.0)
    kinds = {e["kind"] for e in net["links"]["edges"]}
    assert {"flow", "device", "ip"} <= kinds


def test_shared_phone_links_accounts() -> None:
    rows = [tx(f"A{i}", "SHOP", 50.0, i, payer_phone="13800000000") for i in range(3)]
    _, result = run_from_frame(frame(rows))
    a0 = result.accounts.set_index("account").loc["A0"]
    assert a0["f_phone_accounts"] == 3
    assert any("同一手机号关联 3 个账户" in r for r in a0["reasons"])


def test_as_of_ignores_later_transfers() -> None:
    rows = _chain()
    _, before = run_from_frame(frame(rows), as_of=T0 + timedelta(minutes=5))
    assert set(before.accounts["account"]) == {"V0", "C1"}
    assert (before.accounts["grade"] == "低").all()


def test_bad_rows_are_counted_per_reason_and_left_out() -> None:
    rows = [
        *_chain(),
        tx("A", "A", 10.0, 1),
        tx("A", "B", -5.0, 2),
        tx("", "B", 5.0, 3),
        tx("A", "9" * 40, 1, 4),
    ]
    loaded, result = run_from_frame(frame(rows))
    assert loaded.rows == len(rows) and loaded.kept == len(rows) - 4
    assert loaded.rejected == {
        "付款账号与收款账号相同": 1,
        "金额不大于 0": 1,
        "付款账号为空": 1,
        "账号超过 32 位": 1,
    }
    assert result.transfers == len(rows) - 4


def test_missing_column_is_a_clear_error() -> None:
    with pytest.raises(InputFileError, match="缺少必需列：amount"):
        run_from_frame(frame([tx("A", "B", 1.0, 0)]).drop(columns=["amount"]))


def test_thresholds_are_parameters() -> None:
    strict = ScreeningParams(high_score=101, medium_score=101)
    _, result = run_from_frame(frame(_chain()), strict)
    assert (result.accounts["grade"] == "低").all()
