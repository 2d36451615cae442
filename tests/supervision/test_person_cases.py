"""Cases against an insured person (条例第四十一条) through the API: open → hearing notice → decision
(idempotent) → recovery and fine → close; bureau-only visibility; masked party; the logged reveal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sv_helpers import PERSON_PSN, PERSON_ROWS, finding_key, write_audit

from qiandai.store.base import SHANGHAI

Headers = Callable[[str], dict[str, str]]
FULL_NAME, ID_NUMBER = "张三丰", "330102198001011234"


def _post(client: TestClient, path: str, who: str, as_: Headers, body: object = None) -> Any:
    r = client.post(f"/api/supervision{path}", json=body, headers=as_(who))
    assert r.status_code in (200, 201), r.text
    return r.json()


def _to_decision(client: TestClient, as_: Headers, tmp_path: Path, rows: list[int]) -> dict[int, int]:
    """Import an audit run where rows 4 (A) and 10 (B) are one person; bring ``rows`` to 待立案处理."""
    audit = write_audit(tmp_path / "audit", person_rows=PERSON_ROWS)
    files = {"suspects": ("suspects.parquet", (audit / "suspects.parquet").read_bytes())}
    assert client.post("/api/supervision/imports", files=files, headers=as_("auditor")).status_code == 201
    listed = client.get("/api/supervision/findings?limit=1000", headers=as_("reviewer")).json()
    ids = {n: next(f["id"] for f in listed if f["finding_id"] == finding_key(n)) for n in rows}
    _post(client, "/findings/bulk", "auditor", as_, {"ids": list(ids.values()), "action": "pass"})
    _post(client, "/findings/bulk", "reviewer", as_, {"ids": list(ids.values()), "action": "confirm"})
    for n, fid in ids.items():
        _post(
            client,
            f"/findings/{fid}/actions",
            "reviewer",
            as_,
            {"action": "reject_appeal", "reason": "无说明"},
        )
        amount = "1200.00" if n == 4 else "800.00"
        _post(
            client,
            f"/findings/{fid}/actions",
            "auditor",
            as_,
            {"action": "conclude", "confirmed_amount": amount},
        )
    return ids


def test_person_case_from_open_to_close(client: TestClient, as_: Headers, tmp_path: Path) -> None:
    ids = _to_decision(client, as_, tmp_path, [*PERSON_ROWS, 5])
    person_ids = [ids[n] for n in PERSON_ROWS]
    mixed = client.post(
        "/api/supervision/cases",
        json={"finding_ids": [ids[4], ids[5]], "subject_kind": "person"},
        headers=as_("reviewer"),
    )
    assert mixed.status_code == 422 and "同一参保人" in mixed.json()["message"]
    body = {
        "finding_ids": person_ids,
        "subject_kind": "person",
        "person": {"name": FULL_NAME, "id_number": ID_NUMBER},
    }
    r = client.post("/api/supervision/cases", json=body, headers=as_("reviewer"))
    assert r.status_code == 201, r.text
    case = r.json()
    cid = case["id"]
    assert case["subject_kind"] == "person" and case["institution_code"] is None
    assert case["psn_name_masked"] == "张**" and case["certno_masked"] == "330***********1234"
    assert case["region_code"] == "330100"  # points at 330102 and 330105
    assert Decimal(case["loss_amount"]) == Decimal("2000.00")
    assert "psn_no" not in case and FULL_NAME not in r.text and ID_NUMBER not in r.text

    # bureau roles only: institution users of either institution get 404, as do other regions
    for who in ("inst_a", "inst_b", "outsider"):
        assert client.get(f"/api/supervision/cases/{cid}", headers=as_(who)).status_code == 404
        assert cid not in [c["id"] for c in client.get("/api/supervision/cases", headers=as_(who)).json()]
    persons = client.get("/api/supervision/cases?subject_kind=person", headers=as_("reviewer")).json()
    assert [c["id"] for c in persons] == [cid]

    url = f"/api/supervision/cases/{cid}"
    wrong = client.post(
        f"{url}/hearing-notice", json={"article": "38", "multiple": "1"}, headers=as_("reviewer")
    )
    assert wrong.status_code == 422 and "不适用于参保个人" in wrong.json()["message"]
    for months, message in ((2, "3–12 个月"), (13, "3–12 个月"), (None, "暂停联网结算月数")):
        bad = {"article": "41", "settlement_suspension_months": months}
        r = client.post(f"{url}/hearing-notice", json=bad, headers=as_("reviewer"))
        assert r.status_code == 422 and message in r.json()["message"], r.text
    proposal = {"article": "41-2", "multiple": "2", "settlement_suspension_months": 6}
    assert _post(client, f"/cases/{cid}/hearing-notice", "reviewer", as_, proposal)["status"] == "notified"
    statement = {"statement": "本人不知医保卡被他人使用"}
    assert client.post(f"{url}/statement", json=statement, headers=as_("inst_a")).status_code == 404
    _post(client, f"/cases/{cid}/statement", "reviewer", as_, statement)  # recorded on the person's behalf

    decision = {"idempotency_key": "person-decision-0001", **proposal, "multiple": "2.00"}
    d1 = _post(client, f"/cases/{cid}/decision", "leader", as_, decision)
    assert Decimal(str(d1["fine_amount"])) == Decimal("4000.00")
    assert Decimal(str(d1["recovery_amount"])) == Decimal("2000.00")
    assert d1["settlement_suspension_months"] == 6 and d1["suspension_months"] is None
    assert _post(client, f"/cases/{cid}/decision", "leader", as_, decision) == d1  # double submit
    other = decision | {"idempotency_key": "person-decision-0002"}
    assert client.post(f"{url}/decision", json=other, headers=as_("leader")).status_code == 409

    detail = client.get(url, headers=as_("reviewer")).json()
    assert [d["kind"] for d in detail["documents"]] == ["hearing_notice", "penalty_decision"]
    assert len(detail["findings"]) == 2
    doc = detail["documents"][1]["id"]
    assert client.get(f"/api/supervision/documents/{doc}", headers=as_("inst_a")).status_code == 404
    pdf = client.get(f"/api/supervision/documents/{doc}", headers=as_("reviewer"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/api/supervision/rectifications?case_id={cid}", headers=as_("reviewer")).json() == []

    _post(
        client,
        f"/cases/{cid}/payments",
        "auditor",
        as_,
        {"kind": "recovery", "amount": "2000.00", "reference": "GR-1"},
    )
    _post(
        client,
        f"/cases/{cid}/payments",
        "auditor",
        as_,
        {"kind": "fine", "amount": "4000.00", "reference": "GF-1"},
    )
    assert _post(client, f"/cases/{cid}/close", "reviewer", as_)["status"] == "closed"

    # a person decision does not touch any institution's credit
    year = str(datetime.now(SHANGHAI).year)
    rows = client.post(
        "/api/supervision/credit/ratings", json={"period": year}, headers=as_("reviewer")
    ).json()
    assert not any(x["item"] == "行政处罚" for r in rows for x in r["reasons"])


def test_reveal_is_bureau_only_and_logged(client: TestClient, as_: Headers, tmp_path: Path) -> None:
    ids = _to_decision(client, as_, tmp_path, list(PERSON_ROWS))
    body = {
        "finding_ids": list(ids.values()),
        "subject_kind": "person",
        "person": {"name": FULL_NAME, "id_number": ID_NUMBER},
    }
    cid = _post(client, "/cases", "reviewer", as_, body)["id"]
    url = f"/api/supervision/cases/{cid}/reveal"
    assert client.post(url, json={"reason": "送达决定书"}, headers=as_("inst_a")).status_code == 404
    assert client.post(url, json={"reason": "送达决定书"}, headers=as_("expert")).status_code == 403
    assert client.post(url, json={"reason": ""}, headers=as_("auditor")).status_code == 422
    shown = client.post(url, json={"reason": "送达决定书"}, headers=as_("auditor")).json()
    assert shown == {"psn_no": PERSON_PSN, "name": FULL_NAME, "id_number": ID_NUMBER}
    log = client.get("/api/identity/access-log?subject_type=case", headers=as_("admin")).json()
    assert log[0]["username"] == "auditor" and log[0]["fields"] == ["psn_no", "name", "id_number"]
    assert log[0]["subject_id"] == str(cid) and log[0]["reason"] == "送达决定书"
