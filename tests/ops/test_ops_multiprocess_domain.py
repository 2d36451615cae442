"""Multiprocess mode: decision latency from the worker files, queue gauges straight from the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

CODE = """
import sys
from datetime import UTC, datetime
from fastapi.testclient import TestClient
sys.path.insert(0, {ops!r})
from ops_seed import add_bank_user, bearer, hold
from qiandai.api.app import create_app
from qiandai.store.migrate import upgrade

url = {url!r}
upgrade(url)
app = create_app(url)
add_bank_user(app.state.session_factory)
hold(app.state.session_factory, "ZF-MP-1", "6222020200009999", hours_ago=47.9)
body = {{
    "transfer_id": "mp-1", "payer_account": "6222020200001111", "payee_account": "6228480400002222",
    "amount": "200.00", "currency": "CNY", "channel": "mobile",
    "occurred_at": datetime.now(UTC).isoformat(), "payer_region": "330102001001", "payer_age": 40,
}}
with TestClient(app) as c:
    assert c.post("/api/transfers/decide", json=body, headers=bearer(c)).status_code == 200
    print(c.get("/metrics").text)
app.state.transfers.close()
"""


def _value(body: str, name: str) -> float | None:
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    return None


def test_domain_metrics_in_multiprocess_mode(tmp_path: Path) -> None:
    mp = tmp_path / "prom"
    mp.mkdir()
    code = CODE.format(ops=str(Path(__file__).parent), url=f"sqlite:///{(tmp_path / 'mp.db').as_posix()}")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(mp)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    assert any(p.name.startswith("histogram_") for p in mp.glob("*.db"))
    assert _value(out.stdout, "qiandai_transfer_decision_seconds_count") == 1
    assert _value(out.stdout, "qiandai_queue_metrics_up") == 1
    assert _value(out.stdout, "qiandai_transfer_holds_expiring_soon") == 1
