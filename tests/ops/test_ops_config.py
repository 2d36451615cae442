"""The settings object: every variable typed and validated, Chinese errors, cache, CLI, generated doc."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qiandai import config, settings
from qiandai.cli.main import app
from qiandai.config import ConfigurationError, get_settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"
KEY = "x" * 43 + "="  # urlsafe base64 of 32 bytes
runner = CliRunner()


def test_configuration_doc_is_generated_from_the_fields() -> None:
    document = DOC.read_text(encoding="utf-8")
    assert config.replace_reference(document) == document, (
        "docs/configuration.md is stale: run `qiandai config doc --write docs/configuration.md`"
    )
    for name in config.ENV_NAMES:
        assert f"`{name}`" in document


def test_no_module_reads_the_environment_directly() -> None:
    """Configuration goes through qiandai.config only (a new os.environ read would escape validation)."""
    offenders = []
    for path in (ROOT / "src" / "qiandai").rglob("*.py"):
        if path.name == "config.py" and path.parent.name == "qiandai":
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ(\.get|\[)|getenv\(", source):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("QIANDAI_TRANSFER_DB_POOL", "abc", "应为整数"),
        ("QIANDAI_TRANSFER_DB_POOL", "0", "应不小于 1"),
        ("QIANDAI_DB_POOL_SIZE", "ten", "应为整数"),
        ("QIANDAI_DB_POOL_RECYCLE", "-5", "应不小于 -1"),
        ("QIANDAI_WARNING_SLA", "高=30,特=5", "级别只能是 高、中、低"),
        ("QIANDAI_WARNING_SLA", "高=半小时", "分钟数应为正整数"),
        ("QIANDAI_OPENING_TOTAL_CAP", "five", "应为整数"),  # earlier releases ignored this silently
        ("QIANDAI_PUNISH_MAX_YEARS", "0", "应不小于 1"),
        ("QIANDAI_LOG_FORMAT", "xml", "应为以下之一：text、json"),
        ("QIANDAI_TRANSFER_STATE", "redis", "应为以下之一：embedded、postgres"),
        ("QIANDAI_COOKIE_SECURE", "maybe", "应为 1 或 0"),
        ("QIANDAI_JOB_HEARTBEAT", "0", "应大于 0"),
        ("QIANDAI_RATE_LOGIN", "20 per 5 minutes", "次数/秒数"),
        ("QIANDAI_DATABASE_URL", "mysql://qiandai:s3cret@db/qiandai", "只支持 PostgreSQL 和 SQLite"),
    ],
)
def test_invalid_values_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        get_settings()
    message = caught.value.message
    assert message.startswith("配置错误") and f"环境变量 {name} 的值" in message and reason in message
    assert "s3cret" not in message  # a database password is never echoed


def test_a_bad_secret_key_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANDAI_SECRET_KEY", "my-short-secret")
    with pytest.raises(ConfigurationError, match="QIANDAI_SECRET_KEY") as caught:
        get_settings()
    assert "my-short-secret" not in caught.value.message and "Fernet" in caught.value.message


def test_several_errors_are_reported_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANDAI_TRANSFER_DB_POOL", "abc")
    monkeypatch.setenv("QIANDAI_WARNING_SLA", "高=x")
    with pytest.raises(ConfigurationError) as caught:
        get_settings()
    message = caught.value.message
    assert "QIANDAI_TRANSFER_DB_POOL" in message and "QIANDAI_WARNING_SLA" in message


def test_values_are_parsed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QIANDAI_LOG_FORMAT", " JSON ")
    monkeypatch.setenv("QIANDAI_LOG_LEVEL", "debug")
    monkeypatch.setenv("QIANDAI_COOKIE_SECURE", "yes")
    monkeypatch.setenv("QIANDAI_AUDIT_DIRS", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    monkeypatch.setenv("QIANDAI_SECRET_KEY", "")  # empty means unset
    monkeypatch.setenv("QIANDAI_WARNING_SLA", "高=15")
    monkeypatch.setenv("QIANDAI_OPENING_TOTAL_CAP", "3")
    s = get_settings()
    assert (s.log_format, s.log_level, s.cookie_secure) == ("json", "DEBUG", True)
    assert s.audit_dir_paths == [tmp_path / "a", tmp_path / "b"]
    assert s.secret_key is None and s.secret_key_value() is None
    from qiandai.cards.opening import OpeningPolicy
    from qiandai.transfers.warnings import Level, SlaPolicy

    assert SlaPolicy.from_env().minutes == {Level.HIGH: 15, Level.MEDIUM: 120, Level.LOW: 1440}
    assert OpeningPolicy.from_env().total_cap == 3


def test_cache_sees_changes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first = get_settings()
    assert get_settings() is first  # nothing changed: the same object
    monkeypatch.setenv("QIANDAI_HOME", str(tmp_path / "elsewhere"))
    assert settings.home() == tmp_path / "elsewhere" and (tmp_path / "elsewhere").is_dir()
    monkeypatch.setenv("QIANDAI_TRANSFER_DB_POOL", "7")
    assert get_settings().transfer_db_pool == 7
    monkeypatch.delenv("QIANDAI_TRANSFER_DB_POOL")
    assert get_settings().transfer_db_pool == 10
    config.reset_settings()
    assert get_settings() is not first
    assert get_settings() is get_settings()  # cached again after the reset


def test_import_time_reads_fall_back_but_start_up_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANDAI_TRANSFER_DB_POOL", "abc")
    monkeypatch.setenv("QIANDAI_RATE_LOGIN", "lots")
    assert config.setting_or_default("transfer_db_pool") == 10
    assert config.rate_spec("login", "20/300") == "20/300"
    assert config.rate_spec("no_such_limiter", "3/60") == "3/60"
    r = runner.invoke(app, ["db", "upgrade"])
    assert r.exit_code == 2 and "QIANDAI_TRANSFER_DB_POOL" in r.output and "QIANDAI_RATE_LOGIN" in r.output


def test_pool_settings_reach_the_postgresql_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from qiandai.store.database import make_engine

    monkeypatch.setenv("QIANDAI_DB_POOL_SIZE", "7")
    monkeypatch.setenv("QIANDAI_DB_MAX_OVERFLOW", "3")
    monkeypatch.setenv("QIANDAI_DB_POOL_RECYCLE", "900")
    engine = make_engine("postgresql+psycopg://qiandai@127.0.0.1:1/qiandai")  # not connected
    pool = engine.pool
    assert pool.size() == 7 and pool._max_overflow == 3 and pool._recycle == 900  # type: ignore[attr-defined]
    explicit = make_engine("postgresql+psycopg://qiandai@127.0.0.1:1/qiandai", pool_size=2, max_overflow=0)
    assert explicit.pool.size() == 2  # a caller's own pool (the transfer runtime's) wins


def test_config_show_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANDAI_SECRET_KEY", KEY)
    monkeypatch.setenv("QIANDAI_DATABASE_URL", "postgresql+psycopg://qiandai:s3cret@10.0.0.5:5432/qiandai")
    monkeypatch.setenv("QIANDAI_DB_POOL_SIZE", "12")
    r = runner.invoke(app, ["config", "show"])
    assert r.exit_code == 0, r.output
    assert KEY not in r.output and "s3cret" not in r.output
    assert "QIANDAI_SECRET_KEY = 已设置（已隐藏）（环境变量）" in r.output
    assert "postgresql+psycopg://qiandai:***@10.0.0.5:5432/qiandai（环境变量）" in r.output
    assert "QIANDAI_DB_POOL_SIZE = 12（环境变量）" in r.output
    assert "QIANDAI_DB_MAX_OVERFLOW = 30（默认值）" in r.output
    assert len([line for line in r.output.splitlines() if " = " in line]) == len(config.ENV_NAMES)


def test_config_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    r = runner.invoke(app, ["config", "check"])
    assert r.exit_code == 0 and "配置有效" in r.output
    monkeypatch.setenv("QIANDAI_WARNING_SLA", "高=0")
    r = runner.invoke(app, ["config", "check"])
    assert r.exit_code == 2 and "QIANDAI_WARNING_SLA" in r.output and "正整数" in r.output
    monkeypatch.delenv("QIANDAI_WARNING_SLA")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "absent"))
    r = runner.invoke(app, ["config", "check"])
    assert r.exit_code == 2 and "PROMETHEUS_MULTIPROC_DIR" in r.output


def test_config_doc_writes_the_generated_section(tmp_path: Path) -> None:
    target = tmp_path / "configuration.md"
    target.write_text(f"# 标题\n\n{config.BEGIN}\nOLD-TABLES\n{config.END}\n\nafter\n", encoding="utf-8")
    r = runner.invoke(app, ["config", "doc", "--write", str(target)])
    assert r.exit_code == 0, r.output
    written = target.read_text(encoding="utf-8")
    assert "OLD-TABLES" not in written and written.endswith("\n\nafter\n")
    assert "`QIANDAI_DB_POOL_SIZE`" in written
    target.write_text("no markers", encoding="utf-8")
    r = runner.invoke(app, ["config", "doc", "--write", str(target)])
    assert r.exit_code == 2 and "没有找到生成区块的标记" in r.output


def test_the_env_file_example_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    example = ROOT / "deploy" / "systemd" / "qiandai.env.example"
    names = []
    for line in example.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            names.append(name)
            monkeypatch.setenv(name, value)
    assert set(names) <= set(config.ENV_NAMES), set(names) - set(config.ENV_NAMES)
    s = config.load_settings()
    assert s.transfer_state == "postgres" and s.log_format == "json" and s.secret_key is None
