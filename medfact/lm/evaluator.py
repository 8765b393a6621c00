"""``lm_evaluator.v1``: tier 2, an evaluator LM called only where tiers 0-1 are unsure.

The cascade, per case (after the rules and the cross-encoder have run and verdicts exist):

1. **Select.** With a calibrated scorer (the default pipeline), a case is uncertain when its
   calibrated P(unsafe) and P(safe) are both under ``safe_confidence``; only such a case is sent,
   with its claims whose verdict's probability is under ``claim_threshold``. Without one (the
   rule tier), a case is uncertain when its provisional risk (its worst finding) lies at the
   safe/unsafe boundary (``boundary_risks``, 2 and 3 by default) or a finding the rules trust
   little (confidence under ``rule_confidence``) carries risk 2 or more, and a claim when its
   verdict's probability is under ``claim_threshold``. ``mode`` chooses what is sent:
   ``auto`` (an uncertain case gets a whole-case assessment, then uncertain claims get
   claim verification, most uncertain first), ``case``, ``claims``, or ``all`` (every case and
   claim, ignoring certainty: the LM-on-everything baseline).
2. **Spend within the budget.** At most ``budget_calls`` LM calls and ``budget_tokens`` tokens
   (prompt + completion; a call is not made when its estimate would pass the limit) per case.
   Prompts of many cases go to the LM in one batched ``generate`` per prompt kind.
3. **Parse.** Answers are parsed against the prompt's schema (:mod:`medfact.lm.parse`). A
   malformed answer is retried once (``retries``) with the parser's complaint, if the budget
   allows; an answer that still fails becomes an entry in the record's ``errors`` and changes
   nothing: no verdict is guessed.
4. **Merge.** LM errors become findings (``rule="lm_evaluator.v1"``), their quotes mapped to
   offsets in the output (or, for omissions, the input); a quote found nowhere keeps
   ``span=None`` and says so in its message. A tier-0/1 finding already at that place is
   confirmed rather than duplicated. Claim verdicts are replaced by the LM's (``tier=2``).
   A weak tier-0/1 finding that a valid LM answer does not confirm keeps its place, at half its
   confidence and with a note (``dismiss_unconfirmed``). The record says which tier decided what.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from medfact.errors import ConfigError
from medfact.lm.base import LM, Generation, LMError, LMOutputError, create_lm
from medfact.lm.parse import ParseResult, map_quote, parse_json
from medfact.lm.prompts import PromptSpec, get_prompt
from medfact.registry import verifiers
from medfact.taxonomy import ErrorCategory, ErrorGroup, RiskLevel, VerdictLabel
from medfact.textutil import spans_overlap
from medfact.types import Evidence, Finding, Verdict

log = logging.getLogger("medfact")

NAME = "lm_evaluator.v1"
MODES = ("auto", "case", "claims", "all")
_CONTRADICTING = {
    ErrorCategory.DETAIL_MISIDENTIFICATION,
    ErrorCategory.OVERSTATED_INTENSITY,
    ErrorCategory.UNDERSTATED_INTENSITY,
}


def relation_of(category: ErrorCategory) -> str:
    """How an error of this category relates to the input."""
    if category.group == ErrorGroup.OMISSION:
        return "omitted"
    return "contradicted" if category in _CONTRADICTING else "unsupported"


def parse_budget(text: str | int | None) -> dict[str, int | None]:
    """``--lm-budget``: ``"4"`` (calls), ``"2000t"`` (tokens), or both: ``"4,2000t"``."""
    if text is None:
        return {}
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    out: dict[str, int | None] = {}
    for part in str(text).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d+)(t|tok|tokens)?|(\d+)(c|calls)", part, re.I)
        if not m:
            raise ConfigError(
                "--lm-budget takes calls per case ('4'), tokens per case ('2000t') or both "
                f"('4,2000t'); received {text!r}"
            )
        if m.group(2):
            out["budget_tokens"] = int(m.group(1))
        else:
            out["budget_calls"] = int(m.group(1) or m.group(3))
    return out


@dataclass
class Budget:
    """One case's allowance and what has been spent of it."""

    calls: int | None
    tokens: int | None
    used_calls: int = 0
    used_tokens: int = 0

    def allows(self, estimate: int) -> bool:
        if self.calls is not None and self.used_calls >= self.calls:
            return False
        return self.tokens is None or self.used_tokens + estimate <= self.tokens

    def reserve(self, estimate: int) -> None:
        self.used_calls += 1
        self.used_tokens += estimate

    def settle(self, estimate: int, actual: int) -> None:
        self.used_tokens += actual - estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "tokens": self.tokens,
            "used_calls": self.used_calls,
            "used_tokens": self.used_tokens,
        }


@dataclass
class LMRecord:
    """What tier 2 did for one case; goes into the assessment (``Assessment.lm``)."""

    evaluator: str = NAME
    escalated: bool = False
    reasons: list[str] = field(default_factory=list)
    budget: dict[str, Any] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    decisions: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    risk_level: int | None = None
    unmapped_quotes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "evaluator": self.evaluator,
            "escalated": self.escalated,
            "reasons": self.reasons,
            "budget": self.budget,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 4),
            "decisions": self.decisions,
            "skipped": self.skipped,
            "errors": self.errors,
            "risk_level": self.risk_level,
            "unmapped_quotes": self.unmapped_quotes,
        }


@dataclass
class TierResult:
    """One case after tier 2: all findings, all verdicts (tier-2 ones replacing the claim's
    earlier verdict), the tier-2 verdicts alone, and the record. ``error`` is set when the
    backend failed outright (:class:`LMError`), or with ``on_error="fail"`` when an LM answer
    could not be used (:class:`LMOutputError`); the engine then reports the case as an error
    record instead of an assessment."""

    findings: list[Finding]
    verdicts: list[Verdict]
    overrides: list[Verdict]
    record: LMRecord
    error: LMError | None = None


@dataclass
class _Task:
    case: int
    kind: str  # "case" or "claim"
    claim: Any = None
    evidence: list[Evidence] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    estimate: int = 0
    attempts: int = 0
    result: ParseResult | None = None
    failure: str | None = None
    raw: str = ""


@verifiers.register(NAME)
class LMEvaluator:
    """Tier 2. Parameters are stored only; the LM loads on first use or ``load()``.

    ``backend`` and ``lm`` name and configure the LM (``"transformers.v1"`` with
    ``{"model": "/models/medval-4b"}``, ``"openai.v1"`` with ``{"base_url": ..., "model": ...}``);
    an LM object may be given instead of a name.
    """

    name = NAME
    needs_context = False

    def __init__(
        self,
        backend: str | LM = "transformers.v1",
        lm: dict[str, Any] | None = None,
        *,
        mode: str = "auto",
        budget_calls: int | None = 4,
        budget_tokens: int | None = None,
        claim_threshold: float = 0.8,
        rule_confidence: float = 0.8,
        boundary_risks: tuple[int, ...] | list[int] = (2, 3),
        safe_confidence: float = 0.8,
        case_prompt: str = "assess_case.v1",
        claim_prompt: str = "verify_claim.v1",
        case_max_new_tokens: int = 384,
        claim_max_new_tokens: int = 128,
        max_field_chars: int = 6000,
        evidence_k: int = 3,
        retries: int = 1,
        lm_confidence: float = 0.7,
        dismiss_unconfirmed: bool = True,
        on_error: str = "record",
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"{NAME}: mode must be one of {', '.join(MODES)}; received {mode!r}")
        if on_error not in ("record", "fail"):
            raise ConfigError(f"{NAME}: on_error must be 'record' or 'fail'; received {on_error!r}")
        for key, value in (("budget_calls", budget_calls), ("budget_tokens", budget_tokens)):
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ConfigError(
                    f"{NAME}: {key} must be an integer >= 0 or None; received {value!r}"
                )
        for key, value in (
            ("claim_threshold", claim_threshold),
            ("rule_confidence", rule_confidence),
            ("safe_confidence", safe_confidence),
            ("lm_confidence", lm_confidence),
        ):
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ConfigError(f"{NAME}: {key} must be a number in [0, 1]; received {value!r}")
        self.backend = backend
        self.lm_params = dict(lm or {})
        self.mode = mode
        self.budget_calls = budget_calls
        self.budget_tokens = budget_tokens
        self.claim_threshold = claim_threshold
        self.rule_confidence = rule_confidence
        self.boundary_risks = tuple(boundary_risks)
        self.safe_confidence = safe_confidence
        self.case_prompt = case_prompt
        self.claim_prompt = claim_prompt
        self.case_max_new_tokens = case_max_new_tokens
        self.claim_max_new_tokens = claim_max_new_tokens
        self.max_field_chars = max_field_chars
        self.evidence_k = evidence_k
        self.retries = retries
        self.lm_confidence = lm_confidence
        self.dismiss_unconfirmed = dismiss_unconfirmed
        self.on_error = on_error
        self.lm_: LM | None = None

    def load(self) -> LMEvaluator:
        if self.lm_ is None:
            self.lm_ = create_lm(self.backend, self.lm_params)
            loader = getattr(self.lm_, "load", None)
            if callable(loader):
                loader()
        return self

    # -- tier-0 compatible call -----------------------------------------------------------------
    def __call__(self, view: Any) -> list[Finding]:
        """As a plain verifier (``pipeline.verifiers``): assess the case with no cascade, return
        the LM's findings. The cascade goes through :meth:`evaluate` / :func:`apply_lm_tier`."""
        return self.evaluate_many([(view, [], [], None)], force=True)[0].findings

    def evaluate(
        self, view: Any, findings: list[Finding], verdicts: list[Verdict], probabilities: Any = None
    ) -> TierResult:
        """One case (its prompts are still batched in one call per prompt kind)."""
        return self.evaluate_many([(view, findings, verdicts, probabilities)])[0]

    # -- selection ------------------------------------------------------------------------------
    def select(
        self,
        view: Any,
        findings: list[Finding],
        verdicts: list[Verdict],
        force: bool = False,
        p_unsafe: float | None = None,
    ) -> tuple[list[str], bool, list[tuple[float, Any]]]:
        """(reasons, assess the case?, [(probability, claim)] to verify, most uncertain first).

        ``p_unsafe`` is the calibrated scorer's P(risk 3-4) for the case, None without one.
        """
        reasons: list[str] = []
        has_context = view.context is not None
        everything = force or self.mode == "all"
        if p_unsafe is not None:
            sure = max(p_unsafe, 1.0 - p_unsafe)
            unsure_case = sure < self.safe_confidence
            if unsure_case:
                reasons.append(
                    f"calibrated P(unsafe) {p_unsafe:.2f}: safe and unsafe both under "
                    f"{self.safe_confidence}"
                )
        else:
            worst = max((int(f.risk) for f in findings), default=1)
            if worst in self.boundary_risks:
                reasons.append(f"provisional risk {worst} is at the safe/unsafe boundary")
            weak = [f for f in findings if f.confidence < self.rule_confidence and int(f.risk) >= 2]
            if weak:
                reasons.append(f"{len(weak)} finding(s) under confidence {self.rule_confidence}")
            unsure_case = True  # claims are judged on their own
        by_claim = {v.claim_id: v for v in verdicts}
        claims = []
        for claim in view.claims:
            verdict = by_claim.get(claim.id)
            p = verdict.probability if verdict is not None else 0.0
            if verdict is not None and verdict.tier >= 2:
                continue
            if everything or (unsure_case and verdict is not None and p < self.claim_threshold):
                claims.append((p, claim))
        if claims and not everything:
            reasons.append(f"{len(claims)} claim(s) under probability {self.claim_threshold}")
        if everything:
            reasons.append("forced" if force else "mode all")
        case = has_context and self.mode != "claims" and (everything or bool(reasons))
        if self.mode == "case":
            claims = []
        claims.sort(key=lambda item: item[0])
        return reasons, case, claims

    # -- the batched cascade --------------------------------------------------------------------
    def evaluate_many(self, items: list[tuple[Any, ...]], force: bool = False) -> list[TierResult]:
        """Tier 2 over several cases: ``items`` are (view, findings, verdicts, probabilities),
        optionally followed by the case's calibrated P(unsafe) (see :meth:`select`)."""
        start = time.perf_counter()
        records = [LMRecord() for _ in items]
        budgets = [Budget(self.budget_calls, self.budget_tokens) for _ in items]
        plans: list[list[_Task]] = []
        for i, (view, findings, verdicts, *rest) in enumerate(items):
            p_unsafe = rest[1] if len(rest) > 1 else None
            reasons, case, claims = self.select(view, findings, verdicts, force, p_unsafe)
            records[i].reasons = reasons
            planned = [self._case_task(i, view)] if case else []
            for _prob, claim in claims:
                task = self._claim_task(i, view, claim)
                if task is None:
                    records[i].skipped.append({"target": claim.id, "reason": "no evidence"})
                else:
                    planned.append(task)
            plans.append(planned)
        if any(plans):
            self.load()  # only now: a batch with nothing uncertain never loads the LM
        tasks: list[_Task] = []
        for i, planned in enumerate(plans):
            for task in planned:
                task.estimate = self._estimate(task.messages, task.kind)
                if budgets[i].allows(task.estimate):
                    budgets[i].reserve(task.estimate)
                    tasks.append(task)
                else:
                    target = "case" if task.kind == "case" else task.claim.id
                    records[i].skipped.append({"target": target, "reason": "budget"})
            records[i].escalated = any(t.case == i for t in tasks)
        pending = tasks
        while pending:
            self._run(pending, records, budgets)
            retry = []
            for task in pending:
                if task.result is None or task.result.ok:
                    continue  # used, or the call itself failed (backends retry those)
                if task.attempts <= self.retries and budgets[task.case].allows(task.estimate):
                    budgets[task.case].reserve(task.estimate)
                    task.messages = self._repair_messages(task)
                    retry.append(task)
            pending = retry
        elapsed = time.perf_counter() - start
        out = []
        for i, item in enumerate(items):
            records[i].budget = budgets[i].to_dict()
            mine = [t for t in tasks if t.case == i]
            records[i].seconds = elapsed / max(len(items), 1)
            out.append(self._merge(item, mine, records[i]))
        return out

    def _case_task(self, i: int, view: Any) -> _Task:
        spec = get_prompt(self.case_prompt)
        messages = spec.render(
            max_field_chars=self.max_field_chars,
            context=view.context.text if view.context is not None else "",
            output=view.output.text,
            task=view.case.task,
        )
        return _Task(i, "case", messages=messages)

    def _claim_task(self, i: int, view: Any, claim: Any) -> _Task | None:
        evidence = list(view.evidence.get(claim.id, []))[: self.evidence_k]
        if not evidence and view.context is not None:
            # retrieval found nothing: the whole input (shortened) is the evidence
            text = view.context.text
            evidence = [Evidence(text=text, source="context", span=(0, len(text)), score=0.0)]
        if not evidence:
            return None
        spec = get_prompt(self.claim_prompt)
        text = "\n".join(f"[{k + 1}] {e.text}" for k, e in enumerate(evidence))
        messages = spec.render(
            max_field_chars=self.max_field_chars, evidence=text, claim=claim.text
        )
        return _Task(i, "claim", claim=claim, evidence=evidence, messages=messages)

    def _max_new(self, kind: str) -> int:
        return self.case_max_new_tokens if kind == "case" else self.claim_max_new_tokens

    def _estimate(self, messages: list[dict[str, str]], kind: str) -> int:
        count = getattr(self.lm_, "count_tokens", None)
        text = "\n".join(m["content"] for m in messages)
        prompt = count(text) if callable(count) else (len(text) + 3) // 4
        return prompt + 8 * len(messages) + self._max_new(kind)

    def _spec(self, kind: str) -> PromptSpec:
        return get_prompt(self.case_prompt if kind == "case" else self.claim_prompt)

    def _run(self, tasks: list[_Task], records: list[LMRecord], budgets: list[Budget]) -> None:
        for kind in ("case", "claim"):
            group = [t for t in tasks if t.kind == kind]
            if not group:
                continue
            spec = self._spec(kind)
            try:
                gens = self.lm_.generate(  # type: ignore[union-attr]
                    [t.messages for t in group],
                    max_new_tokens=self._max_new(kind),
                    temperature=0.0,
                    json_schema=spec.schema,
                )
            except LMError:
                raise
            except Exception as exc:  # a backend bug must not lose the cases
                log.exception("%s: the LM failed on a batch of %d prompts", NAME, len(group))
                gens = [Generation("", 0, 0, 0.0, "error", error=str(exc)) for _ in group]
            for task, gen in zip(group, gens, strict=True):
                task.attempts += 1
                record = records[task.case]
                record.prompt_tokens += gen.prompt_tokens
                record.completion_tokens += gen.completion_tokens
                budgets[task.case].settle(task.estimate, gen.total_tokens or task.estimate)
                if not gen.ok:
                    task.result = None
                    task.failure = f"the LM call failed: {gen.error}"
                    continue
                task.result = parse_json(gen.text, spec.schema)
                task.raw = gen.text
                if not task.result.ok:
                    reason = task.result.error or "unusable answer"
                    if gen.finish_reason == "length":
                        reason += f" (the answer hit max_new_tokens={self._max_new(kind)})"
                    task.failure = reason
                else:
                    task.failure = None

    def _repair_messages(self, task: _Task) -> list[dict[str, str]]:
        """The original chat, the bad answer, and what was wrong with it."""
        base = [m for m in task.messages if m.get("role") != "assistant"][:2]
        return base + [
            {"role": "assistant", "content": task.raw[:2000]},
            {
                "role": "user",
                "content": "That answer cannot be used: "
                + (task.failure or "it is not valid JSON")
                + ". Reply again with only the JSON object, following the example's shape.",
            },
        ]

    # -- merging --------------------------------------------------------------------------------
    def _merge(
        self,
        item: tuple[Any, list[Finding], list[Verdict], Any],
        tasks: list[_Task],
        record: LMRecord,
    ) -> TierResult:
        view, findings, verdicts = item[:3]
        findings = [f.model_copy() for f in findings]
        overrides: list[Verdict] = []
        confirmed: set[int] = set()
        reviewed: list[tuple[int, int] | None] = []  # regions a valid LM answer looked at
        error: LMError | None = None
        for task in tasks:
            target = "case" if task.kind == "case" else task.claim.id
            if task.result is None or not task.result.ok:
                message = task.failure or "no answer"
                record.errors.append(
                    {
                        "target": target,
                        "prompt": self._spec(task.kind).name,
                        "code": LMOutputError.code,
                        "message": message,
                        "repairs": task.result.repairs if task.result else [],
                        "attempts": task.attempts,
                    }
                )
                if self.on_error == "fail" and error is None:
                    error = LMOutputError(
                        f"case {view.case.id!r}: the evaluator LM gave no usable answer for "
                        f"{target}: {message}"
                    )
                continue
            value = task.result.value or {}
            repairs = task.result.repairs
            if task.kind == "case":
                added = self._case_findings(view, value, findings, confirmed, record)
                record.risk_level = int(value["risk_level"])
                reviewed.append(None)
                record.decisions.append(
                    {
                        "target": "case",
                        "tier": 2,
                        "prompt": self._spec("case").name,
                        "risk_level": record.risk_level,
                        "errors": len(value.get("errors", [])),
                        "new_findings": added,
                        "repairs": repairs,
                    }
                )
            else:
                verdict = self._claim_verdict(view, task, value, findings, confirmed)
                strong = [
                    f
                    for f in findings
                    if f.claim_id == task.claim.id
                    and f.rule != NAME
                    and f.confidence >= self.rule_confidence
                ]
                kept = verdict.label == VerdictLabel.SUPPORTED and bool(strong)
                if not kept:  # a confident earlier finding outranks an LM "supported"
                    overrides.append(verdict)
                reviewed.append(tuple(task.claim.span))
                record.decisions.append(
                    {
                        "target": task.claim.id,
                        "tier": 0 if kept else 2,
                        "decided_by": strong[0].rule if kept else NAME,
                        "prompt": self._spec("claim").name,
                        "label": verdict.label.value,
                        "kept_earlier_verdict": kept,
                        "repairs": repairs,
                    }
                )
        if self.dismiss_unconfirmed:
            self._downweight(findings, confirmed, reviewed)
        by_claim = {v.claim_id: v for v in overrides}
        merged = [by_claim.pop(v.claim_id, v) for v in verdicts] + list(by_claim.values())
        findings.sort(key=lambda f: (f.span or (10**12, 0), f.rule))
        return TierResult(findings, merged, overrides, record, error)

    def _case_findings(
        self,
        view: Any,
        value: dict[str, Any],
        findings: list[Finding],
        confirmed: set[int],
        record: LMRecord,
    ) -> int:
        output = view.output.text
        context = view.context.text if view.context is not None else ""
        added = 0
        for err in value.get("errors", []):
            category = ErrorCategory(err["category"])
            relation = relation_of(category)
            quote = err["quote"]
            span = context_span = None
            if relation == "omitted":
                context_span = map_quote(context, quote).span
            else:
                span = map_quote(output, quote).span
                if span is None:
                    context_span = map_quote(context, quote).span
            if span is None and context_span is None:
                record.unmapped_quotes += 1
            match = _overlapping(findings, span, context_span, category)
            if match is not None:
                confirmed.add(id(findings[match]))
                continue
            message = f"evaluator LM: {err.get('explanation') or category.description}"
            if span is None and context_span is None:
                message += " (its quote was not found in the text; no span)"
            claim = view.claim_at(*span) if span else None
            evidence = []
            if context_span is not None:
                evidence = [
                    Evidence(
                        text=context[context_span[0] : context_span[1]],
                        source="context",
                        span=context_span,
                        score=1.0,
                    )
                ]
            elif claim is not None:
                evidence = list(view.evidence.get(claim.id, []))[:1]
            findings.append(
                Finding(
                    category=category,
                    risk=RiskLevel(int(err["risk"])),
                    span=span,
                    context_span=context_span,
                    message=message,
                    relation=relation,
                    rule=NAME,
                    claim_id=claim.id if claim else None,
                    evidence=evidence,
                    suggestion=err.get("correction") if span is not None else None,
                    confidence=self.lm_confidence,
                )
            )
            added += 1
        return added

    def _claim_verdict(
        self,
        view: Any,
        task: _Task,
        value: dict[str, Any],
        findings: list[Finding],
        confirmed: set[int],
    ) -> Verdict:
        claim = task.claim
        label = VerdictLabel(value["label"])
        category: ErrorCategory | None = None
        if label != VerdictLabel.SUPPORTED:
            # the label is the LM's; a missing category is "other", never a guessed one
            category = ErrorCategory(value["category"]) if value.get("category") else None
            category = category or ErrorCategory.OTHER
        evidence = task.evidence
        quote = value.get("evidence_quote")
        if quote:
            for e in evidence:
                found = map_quote(e.text, quote)
                if found.found:
                    evidence = [e] + [x for x in evidence if x is not e]
                    break
        verdict = Verdict(
            claim_id=claim.id,
            label=label,
            probability=self.lm_confidence,
            evidence=evidence[:2],
            category=category,
            verifier=NAME,
            tier=2,
            rationale=str(value.get("rationale", ""))[:500],
        )
        if category is None:
            return verdict
        mine = [k for k, f in enumerate(findings) if f.claim_id == claim.id]
        if mine:
            confirmed.update(id(findings[k]) for k in mine)
            return verdict
        findings.append(
            Finding(
                category=category,
                risk=RiskLevel.MODERATE if label == VerdictLabel.CONTRADICTED else RiskLevel.LOW,
                span=tuple(claim.span),
                message=f"evaluator LM: {verdict.rationale or label.value}",
                relation="contradicted" if label == VerdictLabel.CONTRADICTED else "unsupported",
                rule=NAME,
                claim_id=claim.id,
                evidence=evidence[:1],
                confidence=self.lm_confidence,
            )
        )
        return verdict

    def _downweight(
        self,
        findings: list[Finding],
        confirmed: set[int],
        reviewed: list[tuple[int, int] | None],
    ) -> None:
        if not reviewed:
            return
        whole_case = any(r is None for r in reviewed)
        for f in findings:
            if f.rule == NAME or id(f) in confirmed or f.confidence >= self.rule_confidence:
                continue
            looked = whole_case or (
                f.span is not None
                and any(r is not None and spans_overlap(f.span, r) for r in reviewed)
            )
            if looked:
                f.confidence = round(f.confidence / 2, 4)
                f.message += " (not confirmed by the evaluator LM)"


def _overlapping(
    findings: list[Finding],
    span: tuple[int, int] | None,
    context_span: tuple[int, int] | None,
    category: ErrorCategory,
) -> int | None:
    """The earlier finding this LM error repeats: same place (output or input) and group."""
    for k, f in enumerate(findings):
        if f.rule == NAME or f.category.group != category.group:
            continue
        if spans_overlap(f.span, span) or (
            span is None and spans_overlap(f.context_span, context_span)
        ):
            return k
    return None
