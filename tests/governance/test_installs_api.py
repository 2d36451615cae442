"""The units and install-campaign API and console pages: roster upload with its problem report, xlsx
exports with Chinese headers, target permissions, and scope — a village user never sees another
township's data (404 on API and pages)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from gov_install_helpers import PASSWORD, W2, add_user, county, load_plan, messy_roster
from openpyxl import load_workbook

from qiandai.api.app import create_app


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    factory = county(database_url)
    load_plan(factory)
    add_user(factory, "cun", "governance", "V0101")
    add_user(factory, "xian", "governance", "C01")
    add_user(factory, "zhen", "governance", "T01")
    add_user(factory, "root", "admin", None)
    app = create_app(database_url)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


def _login(client: TestClient, who: str) -> dict[str, str]:
    client.cookies.clear()
    r = client.post("/api/auth/login", json={"username": who, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_village_user_sees_only_their_village(client: TestClient) -> None:
    h = _login(client, "cun")
    assert [u["code"] for u in client.get("/api/governance/units", headers=h).json()] == ["V0101"]
    assert client.get("/api/governance/units/T02", headers=h).status_code == 404
    assert client.get("/api/governance/units/T02", headers=h).json()["message"] == "单位不存在：T02"
    rates = client.get("/api/governance/installs/rates", params={"week": W2.isoformat()}, headers=h).json()
    assert [(r["code"], r["installed"], r["base"]) for r in rates] == [("V0101", 300, 1000)]
    ranking = client.get(
        "/api/governance/installs/ranking", params={"group": "3", "week": "2026-11-18"}, headers=h
    )
    assert [x["code"] for x in ranking.json()] == ["V0101"]
    assert (
        client.get("/api/governance/installs/problems", params={"unit": "T02"}, headers=h).status_code == 404
    )
    drawn = client.post(
        "/api/governance/installs/spotchecks/draw",
        json={"unit_code": "T02", "week": "2026-11-16", "size": 3},
        headers=h,
    )
    assert drawn.status_code == 404
    # a check drawn by the county is not the village's to record
    x = _login(client, "xian")
    checks = client.post(
        "/api/governance/installs/spotchecks/draw",
        json={"unit_code": "T02", "week": "2026-11-16", "size": 3},
        headers=x,
    ).json()
    assert len(checks) == 3
    h = _login(client, "cun")
    assert (
        client.post(
            f"/api/governance/installs/spotchecks/{checks[0]['编号']}", json={"result": "已安装"}, headers=h
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/governance/installs/targets", json={"rate": "30%", "due": "2026-12-31"}, headers=h
        ).status_code
        == 403
    )


def test_roster_upload_problem_export_and_targets(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "柳树村.xlsx"
    messy_roster(path)
    h = _login(client, "zhen")
    r = client.post(
        "/api/governance/installs/rosters",
        data={"unit_code": "V0101", "week": "2026-11-16"},
        files={"file": ("柳树村.xlsx", path.read_bytes(), "application/octet-stream")},
        headers=h,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["rejected"], body["already_imported"]) == (4, 10, False)
    assert body["problems"][0] == {
        "sheet": "柳树村",
        "row": 8,
        "field": "身份证号",
        "reason": body["problems"][0]["reason"],
        "severity": "rejected",
    }
    again = client.post(
        "/api/governance/installs/rosters",
        data={"unit_code": "V0101", "week": "2026-11-16"},
        files={"file": ("copy.xlsx", path.read_bytes(), "application/octet-stream")},
        headers=h,
    ).json()
    assert again["already_imported"] and again["import_id"] == body["import_id"]
    rates = {
        x["code"]: x["installed"]
        for x in client.get("/api/governance/installs/rates", params={"week": "2026-11-16"}, headers=h).json()
    }
    assert rates["V0101"] == 304  # 300 from the plan + 4, not 308
    xlsx = client.get(
        "/api/governance/installs/problems", params={"unit": "T01", "format": "xlsx"}, headers=h
    )
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None
    assert [c.value for c in ws[1]] == [
        "上报单位",
        "单位编码",
        "周次（周一）",
        "文件",
        "工作表",
        "行号",
        "字段",
        "问题",
        "处理",
        "姓名",
    ]
    assert ws.max_row == 1 + 11
    # the township cannot set targets, the county's staff can
    assert (
        client.post(
            "/api/governance/installs/targets",
            json={"rate": "30%", "due": "2026-12-31", "level": 3},
            headers=h,
        ).status_code
        == 403
    )
    x = _login(client, "xian")
    t = client.post(
        "/api/governance/installs/targets",
        json={"rate": "30%", "due": "2026-12-31", "level": 3, "kind": "村"},
        headers=x,
    )
    assert t.status_code == 200 and t.json()["rate"] == 0.3 and t.json()["kind"] == "village"
    bad = client.post(
        "/api/governance/installs/targets", json={"rate": "130%", "due": "2026-12-31"}, headers=x
    )
    assert bad.status_code == 422 and "0–100%" in bad.json()["message"]
    tree = client.get("/api/governance/units/tree", headers=x).json()
    assert tree[0]["code"] == "C01" and len(tree[0]["children"]) == 5


def test_pages_are_scoped(client: TestClient) -> None:
    _login(client, "cun")
    r = client.post("/api/auth/login", json={"username": "cun", "password": PASSWORD})
    assert r.status_code == 200
    units_page = client.get("/gov/units")
    assert (
        units_page.status_code == 200
        and "东城镇柳树村" in units_page.text
        and "西山乡石门村" not in units_page.text
    )
    installs_page = client.get("/gov/installs", params={"week": "2026-11-16"})
    assert (
        installs_page.status_code == 200
        and "西山乡" not in installs_page.text
        and "30.0%" in installs_page.text
    )
    assert client.get("/gov/installs/rosters", params={"unit": "T02"}).status_code == 404
    assert client.get("/gov/installs/spotchecks", params={"week": "2026-11-16"}).status_code == 200
    ws = load_workbook(io.BytesIO(client.get("/gov/units.xlsx").content)).active
    assert ws is not None and [c.value for c in ws["B"]][1:] == ["V0101"]
    chart = client.get(
        "/gov/installs/charts/ranking.json", params={"week": "2026-11-16", "group": "3"}
    ).json()
    assert chart["xAxis"]["data"] == ["东城镇柳树村"] and chart["series"][0]["type"] == "bar"


def test_reveal_is_scoped_and_needs_the_governance_role(client: TestClient) -> None:
    x = _login(client, "xian")
    checks = client.post(
        "/api/governance/installs/spotchecks/draw",
        json={"unit_code": "T02", "week": "2026-11-16", "size": 2},
        headers=x,
    ).json()
    url = f"/api/governance/installs/spotchecks/{checks[0]['编号']}/reveal"
    shown = client.post(url, json={}, headers=x).json()
    assert len(shown["phone"]) == 11 and shown["phone"].isdigit() and "*" not in shown["name"]
    assert client.post(url, json={}, headers=_login(client, "cun")).status_code == 404
    assert client.post(url, json={"reason": ""}, headers=x).status_code == 422


def test_unit_import_needs_county_staff(client: TestClient, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["单位编码", "单位名称", "类型", "上级编码", "人口", "职工数"])
    ws.append(["V0203", "西山乡新村", "村", "T02", 300, 0])
    ws.append(["V0204", "坏村", "村", "NOPE", 300, 0])
    wb.save(tmp_path / "u.xlsx")
    files = {"file": ("u.xlsx", (tmp_path / "u.xlsx").read_bytes(), "application/octet-stream")}
    denied = client.post("/api/governance/units/import", files=files, headers=_login(client, "zhen"))
    assert denied.status_code == 403 and "县级反诈办" in denied.json()["message"]
    done = client.post("/api/governance/units/import", files=files, headers=_login(client, "xian")).json()
    assert done["created"] == ["V0203"] and done["rejected"] == 1
    assert done["problems"][0]["reason"] == "上级编码 NOPE 不存在（既不在本表中，也不在已有单位中）"
    assert client.get("/api/governance/units/V0203", headers=_login(client, "xian")).json()["level"] == 3
