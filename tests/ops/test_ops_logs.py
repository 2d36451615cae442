"""QIANDAI_LOG_FORMAT=json: one JSON object per line with personal information masked."""

from __future__ import annotations

import io
import json
import logging

import pytest

from qiandai.logs import JsonFormatter, log_format, mask_personal, request_id_var, uvicorn_log_config

ID_NUMBER = "11010519491231002X"  # the GB 11643 sample number, not a real person
PHONE = "13812345678"
CARD = "6222020200001234567"


def _line(message: str, *args: object) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("qiandai.test_ops_logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(message, *args)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    parsed: dict[str, object] = json.loads(lines[0])
    return parsed


def test_json_line_is_valid_and_masks_personal_information() -> None:
    entry = _line("查询 身份证%s 手机:%s 卡号 %s 完成", ID_NUMBER, PHONE, CARD)
    assert set(entry) >= {"time", "level", "logger", "message"}
    assert entry["level"] == "WARNING" and entry["logger"] == "qiandai.test_ops_logs"
    message = str(entry["message"])
    for secret in (ID_NUMBER, PHONE, CARD):
        assert secret not in message
    assert "110***********002X" in message
    assert "138****5678" in message
    assert "***************4567" in message
    assert "查询" in message and "完成" in message


def test_request_id_is_included_when_set() -> None:
    token = request_id_var.set("req-42")
    try:
        assert _line("ok")["request_id"] == "req-42"
    finally:
        request_id_var.reset(token)
    assert "request_id" not in _line("ok")


@pytest.mark.parametrize(
    "text",
    ["订单号 20240101123000 金额 12345.67", "版本 1.2.3，耗时 250 ms", "账号 6222"],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert mask_personal(text) == text


def test_exception_text_is_masked() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("qiandai.test_ops_logs.exc")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError(f"bad id {ID_NUMBER}")
        except ValueError:
            logger.exception("失败")
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert ID_NUMBER not in entry["exception"] and "ValueError" in entry["exception"]


def test_format_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QIANDAI_LOG_FORMAT", raising=False)
    assert log_format() == "text" and uvicorn_log_config() is None
    monkeypatch.setenv("QIANDAI_LOG_FORMAT", "JSON")
    config = uvicorn_log_config()
    assert config is not None and config["formatters"]["json"]["()"] == "qiandai.logs.JsonFormatter"
    assert config["loggers"]["uvicorn.access"]["propagate"] is True
