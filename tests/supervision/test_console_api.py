"""API of the console's new services (both databases): the reward list, a verified report turned into
a point awaiting a case, the circular list and the public list of published circulars, and a further
refund plus the bureau's review of a self-inspection — with the same role checks as the pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sv_helpers import INST_A, INST_B

Headers = Callable[[str], dict[str, str]]


def _import(client: TestClient, as_: Headers, audit_dir: Path) -> None:
    files = {"suspects": ("suspects.parquet", (audit_dir / "suspects.parquet").read_bytes())}
    files["run_json"] = ("run.json", (audit_dir / "run.json").read_bytes())
    r = client.post("/api/supervision/imports", files=files, headers=as_("auditor"))
    assert r.status_code == 201, r.text


def _verified(client: TestClient, as_: Headers, institution: str) -> int:
    body = {"subject": "虚开检查", "content": "虚开检查费用若干", "institution_code": institution}
    assert client.post("/api/public/reports", json=body).status_code == 201
    rid = int(client.get("/api/supervision/reports", headers=as_("intake")).json()[-1]["id"])
    for path, payload in (
        ("accept", {"reason": "受理"}),
        ("conclude", {"verified_amount": "8000", "conclusion": "查实"}),
    ):
        r = client.post(f"/api/supervision/reports/{rid}/{path}", json=payload, headers=as_("intake"))
        assert r.status_code == 200, r.text
    return rid


def test_rewards_report_points_and_circulars(client: TestClient, as_: Headers, audit_dir: Path) -> None:
    _import(client, as_, audit_dir)
    rid = _verified(client, as_, INST_A)
    client.post(f"/api/supervision/reports/{rid}/reward", headers=as_("intake"))
    rewards = client.get("/api/supervision/rewards?status=proposed", headers=as_("leader")).json()
    assert [(w["report_id"], w["amount"]) for w in rewards] == [(rid, "400.00")]
    assert client.get("/api/supervision/rewards", headers=as_("inst_a")).status_code == 403
    assert client.post(f"/api/supervision/reports/{rid}/finding", headers=as_("intake")).status_code == 403
    point = client.post(f"/api/supervision/reports/{rid}/finding", headers=as_("reviewer"))
    assert point.status_code == 201 and point.json()["stage"] == "decision"
    again = client.post(f"/api/supervision/reports/{rid}/finding", headers=as_("reviewer")).json()
    assert again["finding_id"] == point.json()["finding_id"]
    case = client.post(
        "/api/supervision/cases", json={"finding_ids": [point.json()["finding_id"]]}, headers=as_("reviewer")
    )
    assert case.status_code == 201, case.text
    cid = case.json()["id"]
    client.post(
        f"/api/supervision/cases/{cid}/hearing-notice",
        json={"article": "38", "multiple": "1"},
        headers=as_("reviewer"),
    )
    client.post(f"/api/supervision/cases/{cid}/statement", json={"waive": True}, headers=as_("inst_a"))
    decision = {"idempotency_key": "api-console-01", "article": "38", "multiple": "1"}
    assert (
        client.post(
            f"/api/supervision/cases/{cid}/decision", json=decision, headers=as_("leader")
        ).status_code
        == 200
    )
    body = {"title": "典型案例通报", "body": "通报如下", "case_ids": [cid]}
    circ = client.post("/api/supervision/circulars", json=body, headers=as_("reviewer")).json()
    drafts = client.get("/api/supervision/circulars?published=false", headers=as_("leader")).json()
    assert [c["id"] for c in drafts] == [circ["id"]]
    assert client.get("/api/supervision/circulars", headers=as_("inst_a")).status_code == 403
    assert client.get("/api/public/circulars").json() == []
    client.post(f"/api/supervision/circulars/{circ['id']}/publish", headers=as_("leader"))
    public = client.get("/api/public/circulars").json()
    assert public[0]["title"] == "典型案例通报" and "8,000" not in public[0]["cases"][0]["text"]
    assert "8000.00" in public[0]["cases"][0]["text"]


def test_self_inspection_refund_and_review(client: TestClient, as_: Headers, audit_dir: Path) -> None:
    _import(client, as_, audit_dir)
    problems = [{"rule_code": "R", "rule_name": "重复收费", "amount": "300.00", "evidence": "重复"}]
    body = {
        "institution_code": INST_B,
        "period": "2026-09",
        "summary": "自查",
        "problems": problems,
        "refund_amount": "100",
    }
    r = client.post("/api/supervision/self-inspections", json=body, headers=as_("inst_b"))
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    refund = {"amount": "200.00", "voucher": "TH-1"}
    assert (
        client.post(
            f"/api/supervision/self-inspections/{sid}/refunds", json=refund, headers=as_("inst_a")
        ).status_code
        == 404
    )
    too_fine = {"amount": "1.005", "voucher": "TH-2"}
    assert (
        client.post(
            f"/api/supervision/self-inspections/{sid}/refunds", json=too_fine, headers=as_("inst_b")
        ).status_code
        == 422
    )
    out = client.post(
        f"/api/supervision/self-inspections/{sid}/refunds", json=refund, headers=as_("inst_b")
    ).json()
    assert out["refund_amount"] == "300.00" and out["status"] == "submitted"
    review = {"accepted": True, "opinion": "认可"}
    assert (
        client.post(
            f"/api/supervision/self-inspections/{sid}/review", json=review, headers=as_("inst_b")
        ).status_code
        == 403
    )
    done = client.post(
        f"/api/supervision/self-inspections/{sid}/review", json=review, headers=as_("reviewer")
    ).json()
    assert done["status"] == "accepted" and done["status_label"] == "已认可"
    listed = client.get("/api/supervision/self-inspections", headers=as_("inst_b")).json()
    assert [s["status"] for s in listed] == ["accepted"]
    assert client.get("/api/supervision/self-inspections", headers=as_("inst_a")).json() == []
