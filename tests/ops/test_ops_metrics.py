"""GET /metrics: Prometheus exposition with request counts by route template and a latency histogram."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from qiandai.api.app import create_app


def _samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def _count(text: str, route: str, status: str) -> float:
    key = (("method", "GET"), ("route", route), ("status", status))
    return _samples(text, "qiandai_http_requests_total").get(key, 0.0)


def test_request_counter_and_histogram_by_route_template(tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{(tmp_path / 'm.db').as_posix()}", decision_fast_path=False)
    with TestClient(app) as c:
        before = c.get("/metrics").text
        for _ in range(3):
            assert c.get("/healthz").status_code == 200
        assert c.get("/no-such-page-xyz").status_code == 404
        r = c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert _count(r.text, "/healthz", "200") - _count(before, "/healthz", "200") == 3
    assert _count(r.text, "unmatched", "404") - _count(before, "unmatched", "404") == 1
    buckets = _samples(r.text, "qiandai_http_request_duration_seconds_count")
    assert buckets[(("method", "GET"), ("route", "/healthz"))] >= 3
    app.state.engine.dispose()


def test_route_template_not_raw_path(database_url: str) -> None:
    """Path parameters are labelled by template (bounded label cardinality)."""
    app = create_app(database_url, decision_fast_path=False)

    @app.get("/ops-probe/{item}")
    def probe(item: str) -> dict[str, str]:
        return {"item": item}

    raw = "/ops-probe/11010519491231002X"
    with TestClient(app) as c:
        c.get(raw)
        text = c.get("/metrics").text
    routes = {dict(k)["route"] for k in _samples(text, "qiandai_http_requests_total")}
    assert "/ops-probe/{item}" in routes
    assert raw not in routes and "11010519491231002X" not in text  # no personal data in labels
    app.state.engine.dispose()


def test_multiprocess_mode_aggregates_files(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, /metrics reads every worker's files (run in a fresh interpreter)."""
    mp = tmp_path / "prom"
    mp.mkdir()
    code = (
        "from fastapi.testclient import TestClient\n"
        "from qiandai.api.app import create_app\n"
        f"app = create_app('sqlite:///{(tmp_path / 'mp.db').as_posix()}', decision_fast_path=False)\n"
        "with TestClient(app) as c:\n"
        "    c.get('/healthz'); c.get('/healthz')\n"
        "    print(c.get('/metrics').text)\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(mp)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert list(mp.glob("*.db")), "no multiprocess metric files written"
    assert _count(out.stdout, "/healthz", "200") == 2
