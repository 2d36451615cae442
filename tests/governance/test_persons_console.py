"""Console pages and API of the governance statistics, through the real app (TestClient, both
databases): every page renders for a county user, a township user sees only their units (another
township's file is a 404), imports report bad rows, the full identity is shown only with a reason and
logged, circulars download as xlsx and PDF."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from stats_county import county_factory

from qiandai.api.app import create_app
from qiandai.domain.idcard import make_id_number
from qiandai.governance.demo_stats import seed_demo_stats
from qiandai.governance.models.persons import PersonFile
from qiandai.governance.units import assign_user
from qiandai.identity import service
from qiandai.identity.models import AccessLogEntry
from qiandai.store.database import make_engine, session_factory, unit_of_work

PASSWORD = "secret-pass-2025"
TODAY = date(2026, 11, 23)


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    factory = county_factory(database_url)
    seed_demo_stats(factory, TODAY)
    with unit_of_work(factory) as s:
        service.create_user(
            s, username="county", password=PASSWORD, display_name="县反诈办", roles="governance"
        )
        service.create_user(
            s, username="xishan", password=PASSWORD, display_name="西山乡", roles="governance"
        )
        service.create_user(s, username="clerk", password=PASSWORD, display_name="审核员", roles="reviewer")
        assign_user(s, "county", "C01")
        assign_user(s, "xishan", "T02")
    with TestClient(create_app(database_url)) as c:
        yield c


def _login(c: TestClient, username: str) -> str:
    c.get("/login")
    token = c.cookies.get("qiandai_csrf")
    assert token
    r = c.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return token


def test_pages_render_and_roles_are_checked(client: TestClient) -> None:
    _login(client, "county")
    for path in (
        "/gov/cases?period=2026-11",
        "/gov/fraudfree?year=2026",
        "/gov/publicity?period=2026-11",
        "/gov/persons",
        "/gov/reports",
    ):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert "反诈治理" in r.text
    assert "东城镇柳树村" in client.get("/gov/cases?period=2026-11").text
    book = load_workbook(io.BytesIO(client.get("/gov/cases.xlsx?period=2026-11").content))
    assert book.active is not None and book.active["A1"].value == "单位"
    client.cookies.clear()
    _login(client, "clerk")
    assert client.get("/gov/cases").status_code == 403


def test_township_user_sees_only_their_units(client: TestClient, database_url: str) -> None:
    _login(client, "xishan")
    page = client.get("/gov/cases?period=2026-11").text
    assert "西山乡石门村" in page and "东城镇柳树村" not in page
    persons_page = client.get("/gov/persons").text
    assert "西山乡" in persons_page and "东城镇" not in persons_page.split('id="persons"')[1]
    with unit_of_work(session_factory(make_engine(database_url))) as s:
        other = s.scalars(select(PersonFile).where(PersonFile.unit_code == "V0101")).first()
        own = s.scalars(select(PersonFile).where(PersonFile.unit_code == "V0201")).first()
        assert other is not None and own is not None
        other_no, own_no = other.file_no, own.file_no
    assert client.get(f"/gov/persons/{other_no}").status_code == 404
    detail = client.get(f"/gov/persons/{own_no}")
    assert detail.status_code == 200 and "*" in detail.text
    token = client.cookies.get("qiandai_csrf")
    assert client.post(
        f"/gov/persons/{own_no}/reveal", data={"reason": "", "csrf_token": token}
    ).status_code in (400, 422)
    shown = client.post(
        f"/gov/persons/{own_no}/reveal", data={"reason": "入户走访核对身份", "csrf_token": token}
    )
    assert shown.status_code == 200 and "revealed" in shown.text
    with unit_of_work(session_factory(make_engine(database_url))) as s:
        logs = s.scalars(select(AccessLogEntry).where(AccessLogEntry.subject_id == own_no)).all()
        assert len(logs) == 1 and logs[0].username == "xishan" and logs[0].reason == "入户走访核对身份"


def test_person_import_through_the_console_reports_bad_rows(client: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from stats_county import write_xlsx

    token = _login(client, "xishan")
    header = ["姓名", "身份证号", "手机号", "人员类别", "单位编码", "关系", "建档日期"]
    good_id = make_id_number("330102", date(1988, 5, 6), 321)
    rows = [
        ["王小明", good_id, "139 1234 5678", "两卡人员", "V0201", "本人", "2026-10-01"],
        [
            "赵四",
            3.30102198805063e17,
            "13912345679",
            "回流",
            "V0202",
            "本人",
            "2026-10-01",
        ],  # scientific notation
        [
            "钱五",
            make_id_number("330102", date(1990, 1, 1), 7),
            "1391234",
            "前科",
            "V0201",
            "",
            "",
        ],  # bad phone
        [
            "孙六",
            make_id_number("330102", date(1990, 1, 1), 8),
            "13912345670",
            "前科",
            "V0101",
            "",
            "",
        ],  # outside scope
    ]
    sheet = write_xlsx(tmp_path / "persons.xlsx", header, rows)
    with sheet.open("rb") as fh:
        r = client.post(
            "/gov/persons/import", data={"csrf_token": token}, files={"file": ("persons.xlsx", fh)}
        )
    assert r.status_code == 200
    text = r.text
    assert '<b id="created">1</b>' in text and '<b id="rejected">3</b>' in text
    assert "科学计数法" in text and "手机号" in text and "不在您的管辖范围内" in text
    assert good_id not in text and "王小明" not in client.get("/gov/persons").text


def test_api_stats_and_circular_downloads(client: TestClient) -> None:
    r = client.post("/api/auth/login", json={"username": "xishan", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    figs = client.get("/api/governance/cases/stats", params={"period": "2026-11"}, headers=headers).json()
    assert {f["key"] for f in figs} == {"T02", "V0201", "V0202"}
    xlsx = client.get(
        "/api/governance/report", params={"week": "2026-W47", "level": "village"}, headers=headers
    )
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book["概况"]["A1"].value.startswith("西山乡反诈工作周通报")
    pdf = client.get(
        "/api/governance/report",
        params={"month": "2026-11", "level": "village", "format": "pdf"},
        headers=headers,
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = client.get("/api/governance/report", params={"week": "2026-W60"}, headers=headers)
    assert bad.status_code == 422 and "周次无效" in bad.json()["message"]
    mixed = client.get("/api/governance/report", params={"week": "2026-11"}, headers=headers)
    assert mixed.status_code == 422 and "与参数不符" in mixed.json()["message"]
    publish = client.post("/api/governance/fraudfree/2026/publish", headers=headers)
    assert publish.status_code == 403


def test_forms_for_persons_events_and_surveys(client: TestClient) -> None:
    token = _login(client, "xishan")
    id_number = make_id_number("330102", date(1985, 3, 4), 55)
    form = {
        "name": "周八",
        "id_number": id_number,
        "phone": "13912340000",
        "category": "回流",
        "unit_code": "V0202",
    }
    r = client.post("/gov/persons", data={**form, "csrf_token": token})
    assert r.status_code == 200 and "已保存档案" in r.text
    assert id_number not in r.text and "周*" in r.text and "139****0000" in r.text
    outside = client.post("/gov/persons", data={**form, "unit_code": "V0101", "csrf_token": token})
    assert outside.status_code in (400, 422) and "不在您的管辖范围内" in outside.text
    event = {"unit_code": "V0201", "kind": "进家庭", "held_on": "2026-11-20", "place": "五组", "people": "12"}
    assert "已登记宣传活动" in client.post("/gov/publicity/events", data={**event, "csrf_token": token}).text
    survey = {"code": "S-XS", "title": "西山乡抽查", "held_on": "2026-11-21", "questions": "4"}
    client.post("/gov/publicity/surveys", data={**survey, "csrf_token": token})
    result = {"unit_code": "V0201", "respondents": "10", "correct": "30"}
    page = client.post("/gov/publicity/surveys/S-XS/results", data={**result, "csrf_token": token}).text
    assert "已保存调查结果" in page and "75.0%" in page
