"""Scenario versions in the database: draft → publish (immutable), one shadow version per scenario.

The shipped ``transfer-default`` v1 is inserted on first use. The live version is the latest
published one; the shadow version (any version, typically a draft under evaluation) runs beside it and
its would-be decisions are stored with each decision, never acted on.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qiandai.domain.errors import RuleSetVersionError
from qiandai.rules.model import VersionStatus
from qiandai.transfers.models import ScenarioVersionRow
from qiandai.transfers.repository import scenario_row, scenario_rows
from qiandai.transfers.scenario import (
    DEFAULT_SCENARIO,
    ScenarioRule,
    ScenarioVersion,
    Thresholds,
    default_version,
)


def ensure_default(session: Session) -> None:
    """Store the default scenario's first version unless the scenario exists. Safe when several
    workers start together on a fresh database: the loser of the insert race keeps the winner's row."""
    if scenario_rows(session, DEFAULT_SCENARIO):
        return
    try:
        with session.begin_nested():  # a savepoint: a duplicate key rolls back only this insert
            _insert(session, default_version())
    except IntegrityError:
        pass  # another process stored it between our look and our insert


def _insert(session: Session, version: ScenarioVersion, shadow: bool = False) -> None:
    session.add(
        ScenarioVersionRow(
            scenario=version.scenario,
            version=version.version,
            status=version.status.value,
            shadow=shadow,
            body=version.model_dump(mode="json"),
            created_at=version.created_at,
            published_at=version.published_at,
        )
    )
    session.flush()


def _load(row: ScenarioVersionRow) -> ScenarioVersion:
    return ScenarioVersion.model_validate(row.body)


def versions(session: Session, scenario: str = DEFAULT_SCENARIO) -> list[tuple[ScenarioVersion, bool]]:
    """(version, is_shadow) pairs, oldest first."""
    ensure_default(session)
    return [(_load(r), r.shadow) for r in scenario_rows(session, scenario)]


def get(session: Session, scenario: str, version: int | None = None) -> ScenarioVersion:
    """A given version, or the live (latest published) one when ``version`` is None."""
    ensure_default(session)
    rows = scenario_rows(session, scenario)
    if not rows:
        raise RuleSetVersionError(f"场景「{scenario}」不存在")
    if version is None:
        published = [r for r in rows if r.status == VersionStatus.PUBLISHED.value]
        if not published:
            raise RuleSetVersionError(f"场景「{scenario}」尚无已发布版本")
        return _load(published[-1])
    for r in rows:
        if r.version == version:
            return _load(r)
    raise RuleSetVersionError(f"场景「{scenario}」没有第 {version} 版")


def shadow(session: Session, scenario: str = DEFAULT_SCENARIO) -> ScenarioVersion | None:
    found = [r for r in scenario_rows(session, scenario) if r.shadow]
    return _load(found[0]) if found else None


def create_draft(
    session: Session, scenario: str, based_on: int | None = None, note: str = ""
) -> ScenarioVersion:
    """Copy a version (default: live) into a new draft numbered after the newest."""
    base = get(session, scenario, based_on)
    rows = scenario_rows(session, scenario)
    if any(r.status == VersionStatus.DRAFT.value for r in rows):
        raise RuleSetVersionError(f"场景「{scenario}」已有未发布的草稿，请先发布或修改该草稿")
    draft = base.model_copy(
        update={
            "version": rows[-1].version + 1,
            "status": VersionStatus.DRAFT,
            "created_at": datetime.now(UTC),
            "published_at": None,
            "based_on": base.version,
            "note": note,
        }
    )
    _insert(session, draft)
    return draft


def _draft_row(session: Session, scenario: str, version: int) -> ScenarioVersionRow:
    row = scenario_row(session, scenario, version)
    if row is None:
        raise RuleSetVersionError(f"场景「{scenario}」没有第 {version} 版")
    if row.status == VersionStatus.PUBLISHED.value:
        raise RuleSetVersionError(f"{scenario}@v{version} 已发布，不能修改；请新建草稿")
    return row


def _save(row: ScenarioVersionRow, version: ScenarioVersion) -> ScenarioVersion:
    checked = ScenarioVersion.model_validate(version.model_dump())  # re-validates every expression
    row.body = checked.model_dump(mode="json")
    return checked


def put_rule(session: Session, scenario: str, version: int, rule: ScenarioRule) -> ScenarioVersion:
    """Add or replace one rule of a draft."""
    row = _draft_row(session, scenario, version)
    current = _load(row)
    rules = [r for r in current.rules if r.rule_id != rule.rule_id] + [rule]
    return _save(row, current.model_copy(update={"rules": rules}))


def remove_rule(session: Session, scenario: str, version: int, rule_id: str) -> ScenarioVersion:
    row = _draft_row(session, scenario, version)
    current = _load(row)
    if all(r.rule_id != rule_id for r in current.rules):
        raise RuleSetVersionError(f"草稿中没有规则 {rule_id}")
    return _save(
        row, current.model_copy(update={"rules": [r for r in current.rules if r.rule_id != rule_id]})
    )


def set_thresholds(session: Session, scenario: str, version: int, thresholds: Thresholds) -> ScenarioVersion:
    row = _draft_row(session, scenario, version)
    return _save(row, _load(row).model_copy(update={"thresholds": thresholds}))


def publish(session: Session, scenario: str, version: int) -> ScenarioVersion:
    """Freeze a draft; it becomes live. Publishing a published version is a no-op."""
    row = scenario_row(session, scenario, version)
    if row is None:
        raise RuleSetVersionError(f"场景「{scenario}」没有第 {version} 版")
    if row.status == VersionStatus.PUBLISHED.value:
        return _load(row)
    now = datetime.now(UTC)
    published = _load(row).model_copy(update={"status": VersionStatus.PUBLISHED, "published_at": now})
    row.status, row.published_at, row.body = (
        VersionStatus.PUBLISHED.value,
        now,
        published.model_dump(mode="json"),
    )
    if row.shadow:
        row.shadow = False  # a live version does not also run as its own shadow
    session.flush()
    return published


def set_shadow(session: Session, scenario: str, version: int | None) -> None:
    """Make ``version`` the shadow of ``scenario`` (None: no shadow)."""
    rows = scenario_rows(session, scenario)
    if version is not None and all(r.version != version for r in rows):
        raise RuleSetVersionError(f"场景「{scenario}」没有第 {version} 版")
    for r in rows:
        r.shadow = r.version == version
    session.flush()
