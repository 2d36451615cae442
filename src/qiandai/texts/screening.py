"""Text screening: likely fraud types with confidence, red flags with spans, entities, checked links.

How the evidence is combined (kept simple so an analyst can follow it):

* ``p[m]`` — the classifier's probability of method ``m`` (and of ``normal``).
* ``r[m] = 1 − Π(1 − w)`` over the red flags pointing to ``m`` (``w`` = the flag's weight), halved when the
  text reads as publicity ("凡是……都是诈骗", "请勿泄露").
* confidence of ``m`` = ``p[m] + (1 − p[m]) · 0.6 · r[m]``; methods with confidence ≥ 0.3
  are returned (at most 3).
* model score = min(1 − p[normal], 2 · max p[m]): a text the model cannot place (probability spread thin
  over every class, typical of short everyday messages) does not count as risky.
* risk score = max(1 − (1 − model score) · (1 − 0.6 · r_any), link floor), where ``r_any`` combines every
  flag and a high-risk link raises the floor to 0.8 (medium-risk link 0.5). Level: ≥ 0.7 high, ≥ 0.4 medium.

Texts are never logged: logs carry lengths and counts only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from qiandai.domain.errors import InvalidInputError
from qiandai.texts.classifier import TextClassifier
from qiandai.texts.domain_lists import DomainLists, lists_path
from qiandai.texts.entities import Entity, extract_entities
from qiandai.texts.links import LinkChecker, LinkVerdict
from qiandai.texts.methods import NEGATIVE_LABEL, MethodBook, load_book
from qiandai.texts.normalize import check_text, normalize
from qiandai.texts.redflags import RedFlagHit, RedFlagMatcher
from qiandai.texts.risk import RiskLevel
from qiandai.texts.training import load_default_model

log = logging.getLogger(__name__)

RULE_SHARE = 0.6
MIN_CONFIDENCE = 0.3
MAX_TYPES = 3


@dataclass(frozen=True)
class TypeScore:
    """A likely fraud method: id, Chinese name, confidence in [0, 1], and what supports it."""

    method_id: str
    name: str
    confidence: float
    model_probability: float
    rule_score: float


@dataclass(frozen=True)
class ScreeningResult:
    length: int
    risk: RiskLevel
    risk_score: float
    types: tuple[TypeScore, ...]
    red_flags: tuple[RedFlagHit, ...]
    publicity: tuple[RedFlagHit, ...]
    entities: tuple[Entity, ...]
    links: tuple[LinkVerdict, ...]
    model: str


class TextScreener:
    """Screens texts with one knowledge-base version, one classifier and one link checker."""

    def __init__(self, book: MethodBook, classifier: TextClassifier, links: LinkChecker) -> None:
        self.book = book
        self.classifier = classifier
        self.matcher = RedFlagMatcher(book)
        self.links = links
        self._col = {label: k for k, label in enumerate(classifier.labels)}
        meta = classifier.meta
        self.model_name = f"{meta.get('source', '?')}（{meta.get('n_train', '?')} 条训练样本）"

    @classmethod
    def open(cls, home: Path) -> TextScreener:
        """The screener of the working folder: the user's book, active model and domain lists."""
        book = load_book(home)
        return cls(book, load_default_model(home, book), LinkChecker(DomainLists.load(lists_path(home))))

    def screen(self, text: str) -> ScreeningResult:
        """Screen one text (raises :class:`InvalidInputError` for empty or over-long text)."""
        return self.screen_many([text])[0]

    def screen_many(self, texts: list[str]) -> list[ScreeningResult]:
        """Screen a batch; the classifier runs once over the whole batch."""
        for k, t in enumerate(texts):
            check_text(t, field="文本" if len(texts) == 1 else f"第 {k + 1} 条文本")
        norms = [normalize(t) for t in texts]
        proba = self.classifier.predict_proba(norms)
        out = [self._one(t, n, proba[k]) for k, (t, n) in enumerate(zip(texts, norms, strict=True))]
        log.debug("screened %d texts, %d high risk", len(out), sum(r.risk is RiskLevel.HIGH for r in out))
        return out

    def _one(self, text: str, norm: str, proba: object) -> ScreeningResult:
        flags = self.matcher.find(text, norm)
        counter = self.matcher.counter(text, norm) if flags else []
        damp = 0.5 if counter else 1.0
        entities = extract_entities(text, norm)
        links = tuple(self._links(entities))
        p = {label: float(proba[k]) for label, k in self._col.items()}  # type: ignore[index]
        rule: dict[str, float] = {}
        keep_any = 1.0
        for f in flags:
            keep_any *= 1.0 - f.weight * damp
            for m in f.methods:
                rule[m] = 1.0 - (1.0 - rule.get(m, 0.0)) * (1.0 - f.weight * damp)
        types = []
        for m in set(p) | set(rule):
            if m == NEGATIVE_LABEL:
                continue
            pm, rm = p.get(m, 0.0), rule.get(m, 0.0)
            conf = pm + (1.0 - pm) * RULE_SHARE * rm
            if conf >= MIN_CONFIDENCE:
                types.append(TypeScore(m, self.book.name_of(m), round(conf, 4), round(pm, 4), round(rm, 4)))
        types.sort(key=lambda t: -t.confidence)
        top = max((v for k, v in p.items() if k != NEGATIVE_LABEL), default=0.0)
        model_score = min(1.0 - p.get(NEGATIVE_LABEL, 0.0), 2.0 * top)
        score = 1.0 - (1.0 - model_score) * (1.0 - RULE_SHARE * (1.0 - keep_any))
        floors = {RiskLevel.HIGH: 0.8, RiskLevel.MEDIUM: 0.5, RiskLevel.LOW: 0.0}
        score = max([score, *(floors[v.risk] for v in links)])
        level = RiskLevel.HIGH if score >= 0.7 else RiskLevel.MEDIUM if score >= 0.4 else RiskLevel.LOW
        return ScreeningResult(
            length=len(text),
            risk=level,
            risk_score=round(score, 4),
            types=tuple(types[:MAX_TYPES]),
            red_flags=tuple(flags),
            publicity=tuple(counter),
            entities=tuple(entities),
            links=links,
            model=self.model_name,
        )

    def _links(self, entities: list[Entity]) -> list[LinkVerdict]:
        out = []
        for e in entities:
            if e.kind == "url":
                try:
                    out.append(self.links.check(e.value))
                except InvalidInputError:
                    continue  # a fragment that is not a usable link: the entity is still reported
        return out
