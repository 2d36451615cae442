"""防诈骗宝典: public, searchable, exportable (no account needed)."""

from __future__ import annotations

import io

import openpyxl
from fastapi.testclient import TestClient

from qiandai.api.app import create_app


def test_handbook_lists_searches_and_exports(database_url: str) -> None:
    client = TestClient(create_app(database_url))
    page = client.get("/handbook")
    assert page.status_code == 200
    assert "防诈骗宝典" in page.text and "刷单返利" in page.text and "安全账户" in page.text

    found = client.get("/handbook", params={"q": "刷单"})
    assert found.status_code == 200 and "刷单返利" in found.text
    assert 'id="m-order_brushing"' in found.text and 'id="m-romance"' not in found.text

    empty = client.get("/handbook", params={"q": "没有这种手法"})
    assert "未找到相关手法" in empty.text

    export = client.get("/handbook.xlsx")
    assert export.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(export.content), read_only=True)
    assert workbook.sheetnames
