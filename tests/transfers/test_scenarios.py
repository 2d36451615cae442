"""Scenario versions: draft → publish (immutable, live at once), shadow recording, back-test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tx_helpers import payload, token

from qiandai.domain.errors import RuleSetVersionError
from qiandai.rules.expr import f, op, v
from qiandai.store.database import unit_of_work
from qiandai.transfers import backtest, repository, scenario_store
from qiandai.transfers.models import DecisionRow
from qiandai.transfers.scenario import DEFAULT_SCENARIO, ScenarioRule

NOW = datetime.now(UTC).replace(microsecond=0)
NIGHT_OWL = ScenarioRule(
    rule_id="any_over_100",
    name="测试：超过 100 元",
    expr=op("gt", f("amount"), v(100)),
    score=95,
    reason="测试规则：金额超过 100 元",
)


def test_draft_is_editable_published_is_not(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        draft = scenario_store.create_draft(s, DEFAULT_SCENARIO, note="试验")
        assert draft.version == 2 and draft.status.value == "draft"
        with pytest.raises(RuleSetVersionError, match="已有未发布的草稿"):
            scenario_store.create_draft(s, DEFAULT_SCENARIO)
        scenario_store.put_rule(s, DEFAULT_SCENARIO, 2, NIGHT_OWL)
        bad = NIGHT_OWL.model_copy(update={"expr": op("gt", f("no_such_feature"), v(1))})
        with pytest.raises(Exception, match="未知的特征"):
            scenario_store.put_rule(s, DEFAULT_SCENARIO, 2, bad)
        scenario_store.publish(s, DEFAULT_SCENARIO, 2)
        with pytest.raises(RuleSetVersionError, match="已发布"):
            scenario_store.put_rule(s, DEFAULT_SCENARIO, 2, NIGHT_OWL)
        assert scenario_store.get(s, DEFAULT_SCENARIO).version == 2


def test_shadow_publish_and_backtest_through_the_api(client: TestClient) -> None:
    police, bank = token(client, "officer"), token(client, "teller")
    assert (
        client.post("/api/transfers/scenarios/drafts", json={"note": "影子试验"}, headers=police).status_code
        == 200
    )
    rule = NIGHT_OWL.model_dump()
    assert client.put("/api/transfers/scenarios/2/rules", json=rule, headers=police).status_code == 200
    assert (
        client.post("/api/transfers/scenarios/shadow", json={"version": 2}, headers=police).status_code == 200
    )
    for i in range(3):
        body = payload(amount="500", occurred_at=(NOW + timedelta(seconds=i)).isoformat())
        d = client.post("/api/transfers/decide", json=body, headers=bank).json()
        assert d["decision"] == "放行"
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with unit_of_work(factory) as s:
        shadows = [r.shadow for r in s.query(DecisionRow)]
        repository.put_labels(
            s, [(r.transfer_id, i == 0, "测试") for i, r in enumerate(s.query(DecisionRow))], "t"
        )
    assert all(sh and sh["decision"] == "拦截" and sh["scenario"].endswith("@v2") for sh in shadows)
    report = client.post("/api/transfers/scenarios/2/backtest", json={}, headers=police).json()
    assert report["transfers"] == 3 and report["rules"]["any_over_100"]["hits"] == 3
    assert report["precision"] == pytest.approx(1 / 3, abs=1e-3) and report["recall"] == 1.0
    assert report["changed_vs_live"] == 3
    assert client.post("/api/transfers/scenarios/2/publish", headers=police).status_code == 200
    body = payload(amount="500", occurred_at=(NOW + timedelta(seconds=5)).isoformat())
    assert client.post("/api/transfers/decide", json=body, headers=bank).json()["decision"] == "拦截"
    with unit_of_work(factory) as s:
        live = backtest.backtest_stored(s, scenario_store.get(s, DEFAULT_SCENARIO, 1))
    assert live.as_dict()["rules"].get("any_over_100") is None
