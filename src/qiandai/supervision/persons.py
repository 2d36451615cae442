"""Cases against insured persons (参保人员, 条例第四十一条): grouping, masking, the logged reveal.

Contract:

* a person case groups confirmed points (stage 待立案处理) that all carry the same ``psn_no``; they may
  come from several institutions. The case has no institution (``institution_code`` NULL), so no
  institution user ever sees it — nor its documents or payments — whatever institution the points came
  from; its region is the narrowest region covering every point (``330102`` + ``330105`` → ``330100``);
* the person is stored as ``psn_no`` plus the masked name and ID number (from the request when given,
  else from the points). A full name and ID number given at opening are Fernet-encrypted
  (:mod:`qiandai.supervision.crypto`); lists, details and stored documents only ever show masked values;
* :func:`reveal` returns the unmasked identity to auditors, reviewers and leaders with a reason and
  writes ``id_access_log`` in the same unit of work (subject ``case``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from qiandai.domain.errors import InvalidInputError, PermissionDeniedError
from qiandai.identity.roles import Role
from qiandai.identity.service import log_unmasked_view
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.supervision import crypto, events
from qiandai.supervision.models import Case, Finding
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import CASE, DECISION

PERSON = "person"
INSTITUTION = "institution"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PersonIdentity:
    """The full identity of the party, when the bureau has it (encrypted at rest)."""

    name: str
    id_number: str


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``: the family name stays, the rest is starred."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_id_number(number: str) -> str:
    """``330102198001011234`` → ``330***********1234`` (first 3 and last 4 kept, as in audit output)."""
    number = number.strip().upper()
    return number[:3] + "*" * max(len(number) - 7, 0) + number[-4:]


def common_region(codes: Sequence[str]) -> str:
    """The narrowest 6-digit region covering every code: common prefix cut to whole pairs, 0-padded."""
    prefix = codes[0]
    for code in codes[1:]:
        n = 0
        while n < min(len(prefix), len(code)) and prefix[n] == code[n]:
            n += 1
        prefix = prefix[:n]
    prefix = prefix[: len(prefix) - len(prefix) % 2]
    return prefix.ljust(6, "0")


def open_person_case(
    repo: ScopedRepository,
    findings: Sequence[Finding],
    title: str | None,
    identity: PersonIdentity | None,
) -> Case:
    """Group ``findings`` (already checked: in scope, stage 待立案处理) of one insured person into a case."""
    people = {f.psn_no for f in findings}
    if None in people or len(people) != 1:
        raise InvalidInputError("针对个人的案件只能涉及同一参保人（疑点须有相同的个人编号）")
    psn_no = str(people.pop())
    name_masked = next((f.psn_name_masked for f in findings if f.psn_name_masked), None)
    cert_masked = next((f.certno_masked for f in findings if f.certno_masked), None)
    cipher = None
    if identity is not None:
        name_masked, cert_masked = mask_name(identity.name), mask_id_number(identity.id_number)
        cipher = crypto.encrypt({"name": identity.name.strip(), "id_number": identity.id_number.upper()})
    loss = sum((f.confirmed_amount or ZERO for f in findings), ZERO)
    case = repo.add(
        Case(
            case_no=repo.next_number(Case, Case.case_no, f"YB{now_utc().astimezone(SHANGHAI).year}-"),
            subject_kind=PERSON,
            institution_code=None,
            region_code=common_region([f.region_code for f in findings]),
            psn_no=psn_no,
            psn_name_masked=name_masked,
            certno_masked=cert_masked,
            person_cipher=cipher,
            title=title or f"参保人{name_masked or ''}违规使用医保基金案",
            status="open",
            loss_amount=loss,
            created_by=repo.principal.username,
            created_at=now_utc(),
        )
    )
    for f in findings:
        f.stage, f.case_id, f.stage_deadline = CASE, case.id, None
        f.version += 1
        events.record(
            repo,
            "finding",
            f.id,
            "open_case",
            from_state=DECISION,
            to_state=CASE,
            detail={"case": case.case_no},
        )
    events.record(
        repo, "case", case.id, "open", to_state="open", detail={"loss": str(loss), "subject": PERSON}
    )
    return case


def reveal(repo: ScopedRepository, case_id: int, reason: str) -> dict[str, str | None]:
    """The unmasked party of a person case (``psn_no``, name, ID number); the view is access-logged."""
    case = repo.get(Case, case_id, "案件")
    if repo.principal.is_institution_user or not repo.principal.has_role(
        Role.AUDITOR, Role.REVIEWER, Role.LEADER
    ):
        raise PermissionDeniedError("仅稽核员、审核员、领导可查看当事人明文信息")
    if case.subject_kind != PERSON:
        raise InvalidInputError("该案件的当事人是定点医药机构，无个人信息可查看")
    if not reason.strip():
        raise InvalidInputError("查看明文信息须填写理由")
    full = crypto.decrypt(case.person_cipher) if case.person_cipher else {}
    shown = {"psn_no": case.psn_no, "name": full.get("name"), "id_number": full.get("id_number")}
    log_unmasked_view(
        repo.session, repo.principal, "case", case.id, [k for k, v in shown.items() if v], reason
    )
    return shown


def party(case: Case) -> dict[str, str]:
    """How documents address the person (masked: stored documents never carry the full identity)."""
    return {
        "name": case.psn_name_masked or "（姓名待补）",
        "id_number": case.certno_masked or "（证件号码待补）",
    }
