"""The whole path through the HTTP API: audit run → review → case → hearing notice → decision →
recovery and fine → rectification → close-out; a whistleblower report to a paid reward; a draw."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sv_helpers import INST_A, INST_B

from qiandai.store.base import SHANGHAI

Headers = Callable[[str], dict[str, str]]


def _import(client: TestClient, as_: Headers, audit_dir: Path) -> dict[str, object]:
    files = {
        "suspects": ("suspects.parquet", (audit_dir / "suspects.parquet").read_bytes()),
        "run_json": ("run.json", (audit_dir / "run.json").read_bytes()),
    }
    r = client.post("/api/supervision/imports", files=files, headers=as_("auditor"))
    assert r.status_code == 201, r.text
    return dict(r.json())


def _act(client: TestClient, who: str, as_: Headers, fid: int, **body: object) -> dict[str, object]:
    r = client.post(f"/api/supervision/findings/{fid}/actions", json=body, headers=as_(who))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_audit_run_to_closed_case(client: TestClient, as_: Headers, audit_dir: Path) -> None:
    first = _import(client, as_, audit_dir)
    assert first["imported"] == 24 and first["already_imported"] is False
    again = _import(client, as_, audit_dir)
    assert again["imported"] == 0 and again["already_imported"] is True

    queue = client.get("/api/supervision/findings?stage=first_review", headers=as_("auditor")).json()
    assert len(queue) == 18  # the Nanjing institution is outside Hangzhou's scope
    mine = [f for f in queue if f["institution_code"] == INST_A]
    clear = [f["id"] for f in mine if f["result_type"] == "明确违规"]
    suspect = [f["id"] for f in mine if f["result_type"] == "可疑"]
    r = client.post(
        "/api/supervision/findings/bulk",
        json={"ids": clear + suspect, "action": "pass"},
        headers=as_("auditor"),
    )
    assert r.status_code == 200 and {f["stage"] for f in r.json()} == {"second_review"}

    deducted = _act(client, "reviewer", as_, clear[0], action="deduct")
    assert deducted["stage"] == "deducted" and Decimal(deducted["confirmed_amount"]) == Decimal(
        deducted["amount"]
    )
    r = client.post(
        f"/api/supervision/findings/{suspect[0]}/actions", json={"action": "deduct"}, headers=as_("reviewer")
    )
    assert r.status_code == 409  # 可疑 points are never deducted directly
    rest = clear[1:] + suspect
    r = client.post(
        "/api/supervision/findings/bulk", json={"ids": rest, "action": "confirm"}, headers=as_("reviewer")
    )
    assert r.status_code == 200 and {f["stage"] for f in r.json()} == {"explanation"}

    # institution A explains one point with an attachment; B cannot even see it
    up = client.post(
        f"/api/supervision/evidence/finding/{rest[0]}",
        files={"file": ("说明.pdf", b"%PDF-1.4 x")},
        headers=as_("inst_a"),
    )
    assert up.status_code == 201, up.text
    _act(
        client,
        "inst_a",
        as_,
        rest[0],
        action="appeal",
        reason="系病情需要，附病历",
        attachments=[up.json()["id"]],
    )
    assert client.get(f"/api/supervision/findings/{rest[0]}", headers=as_("inst_b")).status_code == 404
    _act(client, "reviewer", as_, rest[0], action="accept_appeal", reason="说明合理，予以采纳")
    for fid in rest[1:]:
        _act(client, "reviewer", as_, fid, action="reject_appeal", reason="逾期未说明")
        _act(client, "auditor", as_, fid, action="conclude", confirmed_amount="1000.00")
    events = client.get(f"/api/supervision/findings/{rest[1]}/events", headers=as_("reviewer")).json()
    assert [e["action"] for e in events] == ["pass", "confirm", "reject_appeal", "conclude"]
    assert events[0]["actor_name"] == "稽核员李" and events[0]["at"].endswith("+08:00")

    case = client.post("/api/supervision/cases", json={"finding_ids": rest[1:]}, headers=as_("reviewer"))
    assert case.status_code == 201, case.text
    cid = case.json()["id"]
    assert Decimal(case.json()["loss_amount"]) == Decimal("4000.00")
    proposal = {"article": "38", "multiple": "1.5"}
    assert (
        client.post(
            f"/api/supervision/cases/{cid}/hearing-notice", json=proposal, headers=as_("reviewer")
        ).status_code
        == 200
    )
    decision = {
        "idempotency_key": "decision-key-0001",
        "article": "38",
        "multiple": "1.50",
        "suspension_months": 6,
    }
    early = client.post(f"/api/supervision/cases/{cid}/decision", json=decision, headers=as_("leader"))
    assert early.status_code == 409 and "陈述申辩" in early.json()["message"]
    r = client.post(
        f"/api/supervision/cases/{cid}/statement",
        json={"statement": "已认识到问题，请求从轻"},
        headers=as_("inst_a"),
    )
    assert r.status_code == 200
    assert (
        client.post(
            f"/api/supervision/cases/{cid}/decision", json=decision, headers=as_("reviewer")
        ).status_code
        == 403
    )
    d1 = client.post(f"/api/supervision/cases/{cid}/decision", json=decision, headers=as_("leader"))
    assert d1.status_code == 200, d1.text
    assert Decimal(d1.json()["fine_amount"]) == Decimal("6000.00")
    assert Decimal(d1.json()["recovery_amount"]) == Decimal("4000.00")
    d2 = client.post(f"/api/supervision/cases/{cid}/decision", json=decision, headers=as_("leader"))
    assert d2.json() == d1.json()  # double submit: the first decision, not a second fine
    other = client.post(
        f"/api/supervision/cases/{cid}/decision",
        json=decision | {"idempotency_key": "another-key-02"},
        headers=as_("leader"),
    )
    assert other.status_code == 409

    detail = client.get(f"/api/supervision/cases/{cid}", headers=as_("inst_a")).json()
    kinds = [d["kind"] for d in detail["documents"]]
    assert kinds == ["hearing_notice", "penalty_decision"]
    pdf = client.get(f"/api/supervision/documents/{detail['documents'][1]['id']}", headers=as_("inst_a"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/api/supervision/cases/{cid}", headers=as_("inst_b")).status_code == 404
    assert client.get(f"/api/supervision/cases/{cid}", headers=as_("outsider")).status_code == 404

    pay = {"kind": "recovery", "amount": "4000.00", "reference": "JK-2025-0001"}
    assert (
        client.post(f"/api/supervision/cases/{cid}/payments", json=pay, headers=as_("auditor")).status_code
        == 201
    )
    assert (
        client.post(f"/api/supervision/cases/{cid}/payments", json=pay, headers=as_("auditor")).status_code
        == 201
    )
    bad = client.post(
        f"/api/supervision/cases/{cid}/payments",
        json=pay | {"amount": "1.005", "reference": "x"},
        headers=as_("auditor"),
    )
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "amount"
    fine = {"kind": "fine", "amount": "6000.00", "reference": "FK-2025-0001"}
    assert (
        client.post(f"/api/supervision/cases/{cid}/payments", json=fine, headers=as_("auditor")).status_code
        == 201
    )
    assert (
        client.post(f"/api/supervision/cases/{cid}/close", headers=as_("reviewer")).status_code == 409
    )  # ledger open

    items = client.get(f"/api/supervision/rectifications?case_id={cid}", headers=as_("inst_a")).json()
    assert len(items) == 4 and {i["status"] for i in items} == {"open"}
    for item in items:
        ev = client.post(
            f"/api/supervision/evidence/rectification/{item['id']}",
            files={"file": ("整改.jpg", b"img")},
            headers=as_("inst_a"),
        )
        body = {"note": "已整改", "attachments": [ev.json()["id"]]}
        assert (
            client.post(
                f"/api/supervision/rectifications/{item['id']}/submit", json=body, headers=as_("inst_a")
            ).status_code
            == 200
        )
        assert (
            client.post(
                f"/api/supervision/rectifications/{item['id']}/verify",
                json={"passed": True},
                headers=as_("auditor"),
            ).status_code
            == 200
        )
        assert (
            client.post(
                f"/api/supervision/rectifications/{item['id']}/close", json={}, headers=as_("reviewer")
            ).status_code
            == 200
        )
    closed = client.post(f"/api/supervision/cases/{cid}/close", headers=as_("reviewer"))
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    recheck = client.post(
        f"/api/supervision/rectifications/{items[0]['id']}/recheck",
        json={"passed": True, "note": "回头看"},
        headers=as_("auditor"),
    )
    assert recheck.json()["recheck_result"] == "passed"

    circ = client.post(
        "/api/supervision/circulars",
        json={"title": "关于典型案例的通报", "body": "现将典型案例通报如下。", "case_ids": [cid]},
        headers=as_("reviewer"),
    )
    assert circ.status_code == 201, circ.text
    assert (
        client.post(
            f"/api/supervision/circulars/{circ.json()['id']}/publish", headers=as_("leader")
        ).status_code
        == 200
    )
    this_year = str(datetime.now(SHANGHAI).year)  # the decision above was taken today
    ratings = client.post(
        "/api/supervision/credit/ratings", json={"period": this_year}, headers=as_("reviewer")
    ).json()
    a = next(r for r in ratings if r["institution_code"] == INST_A)
    assert a["score"] < 100 and any(x["item"] == "行政处罚" for x in a["reasons"])


def test_whistleblower_report_to_paid_reward(client: TestClient, as_: Headers, audit_dir: Path) -> None:
    _import(client, as_, audit_dir)
    body = {
        "subject": "挂床住院",
        "content": "该院长期存在挂床住院骗取医保基金的情况。",
        "anonymous": False,
        "reporter": {"name": "张三", "phone": "13800001234", "id_number": "33010219800101123X"},
        "institution_code": INST_B,
        "alleged_amount": "50000",
    }
    r = client.post("/api/public/reports", json=body)
    assert r.status_code == 201, r.text
    code = r.json()["receipt_code"]
    assert client.get(f"/api/public/reports/{code}").json()["status"] == "received"
    listed = client.get("/api/supervision/reports", headers=as_("intake")).json()
    assert len(listed) == 1 and "reporter" not in listed[0] and "张三" not in str(listed)
    rid = listed[0]["id"]
    assert client.get("/api/supervision/reports", headers=as_("inst_b")).status_code == 403
    assert (
        client.post(
            f"/api/supervision/reports/{rid}/reveal", json={"reason": "核实"}, headers=as_("reviewer")
        ).status_code
        == 403
    )
    who = client.post(
        f"/api/supervision/reports/{rid}/reveal", json={"reason": "联系举报人核实线索"}, headers=as_("intake")
    )
    assert who.json()["name"] == "张三"
    log = client.get("/api/identity/access-log?subject_type=report", headers=as_("admin")).json()
    assert log[0]["username"] == "intake" and log[0]["fields"] == ["reporter"]

    assert (
        client.post(
            f"/api/supervision/reports/{rid}/accept", json={"reason": "线索具体"}, headers=as_("intake")
        ).status_code
        == 200
    )
    r = client.post(
        f"/api/supervision/reports/{rid}/conclude",
        json={"verified_amount": "12345.67", "conclusion": "查实挂床住院"},
        headers=as_("intake"),
    )
    assert r.json()["status"] == "verified"
    reward = client.post(f"/api/supervision/reports/{rid}/reward", headers=as_("intake")).json()
    assert Decimal(reward["amount"]) == Decimal("617.28")  # 5 % of 12,345.67, within ¥200–¥200,000
    assert (
        client.post(
            f"/api/supervision/reports/{rid}/reward/pay", json={"reference": "x"}, headers=as_("intake")
        ).status_code
        == 409
    )
    assert (
        client.post(f"/api/supervision/reports/{rid}/reward/approve", headers=as_("leader")).json()["status"]
        == "approved"
    )
    paid = client.post(
        f"/api/supervision/reports/{rid}/reward/pay", json={"reference": "JL-0001"}, headers=as_("intake")
    )
    assert paid.json()["status"] == "paid"
    status = client.get(f"/api/public/reports/{code.lower()}").json()
    assert status["status"] == "rewarded" and status["reward_status"] == "paid"


def test_random_draw_publish_and_inspection_finding(
    client: TestClient, as_: Headers, audit_dir: Path
) -> None:
    _import(client, as_, audit_dir)
    experts = [
        ("周医保", "医保", INST_A),
        ("吴医务", "医务", INST_A),
        ("郑医保", "医保", INST_B),
        ("冯医务", "医务", None),
    ]
    for name, spec, employer in experts:
        body = {"name": name, "speciality": spec, "region_code": "330100", "employer_code": employer}
        assert client.post("/api/supervision/experts", json=body, headers=as_("admin")).status_code == 201
    body = {
        "title": "2025年第二季度双随机检查",
        "count": 3,
        "seed": "2025Q2-公开种子",
        "specialities": ["医保", "医务"],
    }
    r = client.post("/api/supervision/draws", json=body, headers=as_("reviewer"))
    assert r.status_code == 201, r.text
    draw = r.json()
    assert len(draw["targets"]) == 3
    for t in draw["targets"]:
        assert len(t["inspectors"]) == 2
        if t["institution_code"] == INST_A:
            assert not {"周医保", "吴医务"} & {i["name"] for i in t["inspectors"]}
    assert client.get(f"/api/supervision/draws/{draw['id']}/replay", headers=as_("reviewer")).json() == {
        "reproducible": True
    }
    assert client.get(f"/api/supervision/draws/{draw['id']}", headers=as_("outsider")).status_code == 404
    pub = client.post(f"/api/supervision/draws/{draw['id']}/publish", headers=as_("leader")).json()
    assert pub["published_at"] is not None
    target = draw["targets"][0]["institution_code"]
    finding = {
        "institution_code": target,
        "rule_name": "超标准收费",
        "evidence": "现场检查发现床位费超标准",
        "amount": "880.00",
    }
    r = client.post(f"/api/supervision/draws/{draw['id']}/findings", json=finding, headers=as_("expert"))
    assert (
        r.status_code == 201 and r.json()["stage"] == "second_review" and r.json()["source"] == "inspection"
    )
