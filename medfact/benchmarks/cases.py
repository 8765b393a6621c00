"""`medfact bench cases`: the project's hand-written challenge set (bench/cases/*.jsonl).

Each record is a (context, faithful, erroneous) triple of one kind of clinical error, with the
changed span, the severity a clinician would give (1-4) and the expected taxonomy category. Both
outputs are scored against the context and the runner reports, per kind and overall:

- caught: the erroneous output at risk >= 3 with a finding on the changed span (a finding whose
  ``span`` overlaps it; for an omission, whose span lies in the context, a finding whose
  ``context_span`` overlaps it, or one with relation "omitted" that names no context span);
- graded 4: erroneous outputs at risk 4 among those the set grades 4;
- false alarms: faithful twins at risk >= 3.

A record that cannot be scored is counted and listed, never dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from medfact.errors import InputError
from medfact.stats import wilson
from medfact.taxonomy import ErrorCategory

SPAN_IN = ("erroneous", "context")
REQUIRED = {
    "id": str,
    "kind": str,
    "context": str,
    "faithful": str,
    "erroneous": str,
    "span": list,
    "span_in": str,
    "changed_text": str,
    "severity": int,
    "category": str,
    "reworded": bool,
    "rationale": str,
}
_TURN = re.compile(
    r"(?:^|\n|[.?!]\s+)\s*(doctor|patient|nurse|mother|father|daughter|son|wife|"
    r"husband|partner|parent|caregiver|carer|clinician|midwife|pharmacist|registrar|consultant|"
    r"surgeon|anaesthetist|anesthetist|paramedic|physio|therapist|interpreter|health visitor|"
    r"brother|sister|grandmother|grandfather|mum|mom|dad|relative|friend)\s*:",
    re.IGNORECASE,
)


def default_data_dir() -> Path:
    """bench/cases of the source tree this module belongs to."""
    return Path(__file__).resolve().parents[2] / "bench" / "cases"


def is_dialogue(text: str) -> bool:
    """True when the text has at least two speaker turns ("Doctor: ... Patient: ...")."""
    return len(_TURN.findall(text)) >= 2


# Files written without seeing medfact's outputs and never read while tuning: their records are
# reported as totals only (no ids in the missed and false-alarm lists).
# blind.jsonl was held out until session 13 and blind2-blind6 until session 19, when their false
# alarms were read to find general causes: development parts now
HELD_OUT_FILES = frozenset(f"blind{n}.jsonl" for n in range(7, 12))
PARTS = ("dev", "held-out")


@dataclass(frozen=True)
class ChallengeCase:
    """One validated record of the challenge set."""

    id: str
    kind: str
    context: str
    faithful: str
    erroneous: str
    span: tuple[int, int]
    span_in: str
    changed_text: str
    severity: int
    category: ErrorCategory
    reworded: bool
    rationale: str
    source: str  # file:line

    @property
    def is_omission(self) -> bool:
        return self.span_in == "context"

    @property
    def part(self) -> str:
        """``held-out`` for a file nobody tuning the rules may read (HELD_OUT_FILES), else
        ``dev``."""
        return "held-out" if self.source.rsplit(":", 1)[0] in HELD_OUT_FILES else "dev"

    @property
    def dialogue(self) -> bool:
        return is_dialogue(self.context)


def _parse(raw: dict[str, Any], where: str) -> ChallengeCase:
    record = raw.get("id") if isinstance(raw.get("id"), str) else where
    for name, kind in REQUIRED.items():
        if name not in raw:
            raise InputError("is missing", record=record, field=name)
        value = raw[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise InputError(
                f"must be {kind.__name__}, got {type(value).__name__}", record=record, field=name
            )
    extra = sorted(set(raw) - set(REQUIRED))
    if extra:
        raise InputError(f"unknown field(s) {', '.join(extra)}", record=record, field=extra[0])
    for name in ("id", "kind", "context", "faithful", "erroneous", "rationale"):
        if not raw[name].strip():
            raise InputError("is empty", record=record, field=name)
    if raw["faithful"].strip() == raw["erroneous"].strip():
        raise InputError("equals the faithful output", record=record, field="erroneous")
    if raw["span_in"] not in SPAN_IN:
        raise InputError(
            f"must be one of {SPAN_IN}, got {raw['span_in']!r}", record=record, field="span_in"
        )
    if not 1 <= raw["severity"] <= 4:
        raise InputError(f"must be 1-4, got {raw['severity']}", record=record, field="severity")
    try:
        category = ErrorCategory(raw["category"])
    except ValueError:
        allowed = ", ".join(c.value for c in ErrorCategory)
        raise InputError(
            f"{raw['category']!r} is not one of {allowed}", record=record, field="category"
        ) from None
    span = raw["span"]
    text = raw[raw["span_in"]]
    if not (
        len(span) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in span)
        and 0 <= span[0] < span[1] <= len(text)
    ):
        raise InputError(
            f"{span} is not a non-empty [start, end) inside {raw['span_in']} ({len(text)} chars)",
            record=record,
            field="span",
        )
    if text[span[0] : span[1]] != raw["changed_text"]:
        raise InputError(
            f"{raw['span_in']}[{span[0]}:{span[1]}] is "
            f"{text[span[0] : span[1]]!r}, not changed_text",
            record=record,
            field="span",
        )
    return ChallengeCase(
        id=raw["id"],
        kind=raw["kind"],
        context=raw["context"],
        faithful=raw["faithful"],
        erroneous=raw["erroneous"],
        span=(span[0], span[1]),
        span_in=raw["span_in"],
        changed_text=raw["changed_text"],
        severity=raw["severity"],
        category=category,
        reworded=raw["reworded"],
        rationale=raw["rationale"],
        source=where,
    )


def load_cases(data_dir: Path | None = None) -> list[ChallengeCase]:
    """Every record of every *.jsonl file in ``data_dir`` (sorted by name), validated.

    Raises InputError naming the file, line or id and the field for the first bad record, and for
    a repeated id.
    """
    folder = data_dir or default_data_dir()
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise InputError(f"no *.jsonl files in {folder}", record=str(folder))
    cases: list[ChallengeCase] = []
    seen: dict[str, str] = {}
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON ({exc.msg})", record=where) from None
            if not isinstance(raw, dict):
                raise InputError("is not a JSON object", record=where)
            case = _parse(raw, where)
            if case.id in seen:
                raise InputError(f"repeats the id of {seen[case.id]}", record=where, field="id")
            seen[case.id] = where
            cases.append(case)
    return cases


def coverage(cases: list[ChallengeCase]) -> dict[str, Any]:
    """Counts the issue sets bars on: records, kinds, dialogue contexts, reworded twins, sev 4."""
    return {
        "records": len(cases),
        "kinds": len({c.kind for c in cases}),
        "dialogue": sum(c.dialogue for c in cases),
        "reworded_faithful": sum(c.reworded for c in cases),
        "severity_4": sum(c.severity == 4 for c in cases),
        "omissions": sum(c.is_omission for c in cases),
    }


def _overlaps(a: tuple[int, int] | list[int] | None, b: tuple[int, int]) -> bool:
    return a is not None and a[0] < b[1] and b[0] < a[1]


def on_span(case: ChallengeCase, assessment: Any) -> bool:
    """Whether a finding of ``assessment`` (of the erroneous output) lands on the changed span."""
    for finding in assessment.findings:
        if case.is_omission:
            if _overlaps(finding.context_span, case.span):
                return True
            if finding.relation == "omitted" and finding.context_span is None:
                return True
        elif _overlaps(finding.span, case.span):
            return True
    return False


def judge(case: ChallengeCase, faithful: Any, erroneous: Any) -> dict[str, Any]:
    """The outcome of one case from the two results (Assessment or RecordError)."""
    out: dict[str, Any] = {
        "id": case.id,
        "kind": case.kind,
        "severity": case.severity,
        "part": case.part,
        "file": case.source.rsplit(":", 1)[0],
        # several records of a part share one faithful text: false alarms are counted per text too
        "faithful_text": hashlib.sha256(case.faithful.encode("utf-8")).hexdigest()[:16],
    }
    errors = []
    for name, result in (("faithful", faithful), ("erroneous", erroneous)):
        if not hasattr(result, "risk_level"):
            errors.append({"id": case.id, "output": name, **dict(result.error)})
    if errors:
        out["errors"] = errors
        return out
    risk = int(erroneous.risk_level)
    out.update(
        erroneous_risk=risk,
        faithful_risk=int(faithful.risk_level),
        flagged=risk >= 3,
        on_span=on_span(case, erroneous),
        false_alarm=int(faithful.risk_level) >= 3,
        graded_4=risk == 4 if case.severity == 4 else None,
    )
    out["caught"] = out["flagged"] and out["on_span"]
    return out


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _interval(num: int, den: int) -> list[float] | None:
    """The 95% Wilson interval of num / den, rounded; None without a denominator."""
    return [round(bound, 4) for bound in wilson(num, den)] if den else None


def _tally(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    scored = [o for o in outcomes if "errors" not in o]
    sev4 = [o for o in scored if o["graded_4"] is not None]
    caught = sum(o["caught"] for o in scored)
    graded = sum(o["graded_4"] for o in sev4)
    alarms = sum(o["false_alarm"] for o in scored)
    texts = {o["faithful_text"] for o in scored}
    alarm_texts = {o["faithful_text"] for o in scored if o["false_alarm"]}
    return {
        "n": len(outcomes),
        "scored": len(scored),
        "caught": caught,
        "caught_rate": _rate(caught, len(scored)),
        "caught_ci": _interval(caught, len(scored)),
        "flagged_off_span": sum(o["flagged"] and not o["on_span"] for o in scored),
        "severity_4": len(sev4),
        "graded_4": graded,
        "graded_4_rate": _rate(graded, len(sev4)),
        "graded_4_ci": _interval(graded, len(sev4)),
        "false_alarms": alarms,
        "false_alarm_rate": _rate(alarms, len(scored)),
        "faithful_texts": len(texts),
        "false_alarm_texts": len(alarm_texts),
        "false_alarm_text_rate": _rate(len(alarm_texts), len(texts)),
        "false_alarm_text_ci": _interval(len(alarm_texts), len(texts)),
    }


def summarize(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """Per kind and overall tallies, the worst kinds and every record error."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome["kind"]].append(outcome)
    kinds = {k: _tally(v) for k, v in sorted(by_kind.items())}
    sev4_kinds = [k for k, t in kinds.items() if t["severity_4"]]
    all4 = [k for k in sev4_kinds if kinds[k]["graded_4"] == kinds[k]["severity_4"]]

    def badness(kind: str) -> tuple[float, float, str]:
        t = kinds[kind]
        return (t["caught_rate"] or 0.0, -(t["false_alarm_rate"] or 0.0), kind)

    dev = [o for o in outcomes if o.get("part", "dev") == "dev"]
    return {
        "overall": {
            **_tally(outcomes),
            "severity_4_kinds": len(sev4_kinds),
            "severity_4_kinds_all_graded_4": len(all4),
        },
        "parts": {
            part: _tally(rows)
            for part in PARTS
            if (rows := [o for o in outcomes if o.get("part", "dev") == part])
        },
        "files": {
            name: _tally([o for o in outcomes if o.get("file") == name])
            for name in sorted({o["file"] for o in outcomes if "file" in o})
        },
        "kinds": kinds,
        "worst_kinds": sorted(kinds, key=badness)[:10],
        # ids of the development part only: held-out records are not to be read one by one
        "missed": [o["id"] for o in dev if "errors" not in o and not o["caught"]],
        "false_alarm_ids": [o["id"] for o in dev if o.get("false_alarm")],
        "errors": [e for o in outcomes for e in o.get("errors", [])],
    }


def run(cases: list[ChallengeCase], engine: Any) -> dict[str, Any]:
    """Score every faithful and erroneous output of ``cases`` with ``engine`` (score_many)."""
    records: list[dict[str, Any]] = []
    for case in cases:
        records.append(
            {"id": f"{case.id}/faithful", "output": case.faithful, "context": case.context}
        )
        records.append(
            {"id": f"{case.id}/erroneous", "output": case.erroneous, "context": case.context}
        )
    results = list(engine.score_many(records))
    outcomes = [judge(case, results[2 * i], results[2 * i + 1]) for i, case in enumerate(cases)]
    summary = summarize(outcomes)
    summary["coverage"] = coverage(cases)
    summary["outcomes"] = outcomes
    return summary


def select_part(cases: Iterable[ChallengeCase], part: str) -> list[ChallengeCase]:
    """The cases of one part (``dev`` or ``held-out``), or all for ``all``."""
    return [c for c in cases if part == "all" or c.part == part]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _span(interval: list[float] | None) -> str:
    return "-" if interval is None else f"{_pct(interval[0])}-{_pct(interval[1])}"


def _with_texts(line: str, tally: dict[str, Any]) -> str:
    """A part's or file's row with its faithful texts flagged (one per text, however many
    records share it)."""
    return f"{line}  texts {tally['false_alarm_texts']}/{tally['faithful_texts']}"


def _intervals(name: str, tally: dict[str, Any]) -> str:
    """A part's 95% intervals: how far its rates can be read on this many records."""
    return (
        f"  {name} 95% intervals: caught {_span(tally['caught_ci'])}, graded 4 "
        f"{_span(tally['graded_4_ci'])}, faithful texts flagged "
        f"{_span(tally['false_alarm_text_ci'])}"
    )


def text_report(summary: dict[str, Any]) -> str:
    """A fixed-width table per kind, the overall line, the worst kinds and any record errors."""
    lines = [f"{'kind':32} {'n':>3} {'caught':>8} {'off-span':>8} {'graded 4':>9} {'false al.':>9}"]

    def row(name: str, t: dict[str, Any]) -> str:
        g4 = f"{t['graded_4']}/{t['severity_4']}" if t["severity_4"] else "-"
        return (
            f"{name:32} {t['n']:>3} {_pct(t['caught_rate']):>8} {t['flagged_off_span']:>8} "
            f"{g4:>9} {_pct(t['false_alarm_rate']):>9}"
        )

    lines += [row(k, t) for k, t in summary["kinds"].items()]
    overall = summary["overall"]
    lines += ["-" * 74, row("overall", overall)]
    lines.append(
        f"caught {overall['caught']}/{overall['scored']} ({_pct(overall['caught_rate'])}); "
        f"graded 4 {overall['graded_4']}/{overall['severity_4']} "
        f"({_pct(overall['graded_4_rate'])}); severity-4 kinds with every case graded 4: "
        f"{overall['severity_4_kinds_all_graded_4']}/{overall['severity_4_kinds']}; "
        f"false alarms {overall['false_alarms']}/{overall['scored']} "
        f"({_pct(overall['false_alarm_rate'])}); faithful texts flagged "
        f"{overall['false_alarm_texts']}/{overall['faithful_texts']} "
        f"({_pct(overall['false_alarm_text_rate'])})"
    )
    for part, t in summary.get("parts", {}).items():
        lines.append(_with_texts(row(f"part: {part}", t), t))
        lines.append(_intervals(part, t))
    for name, t in summary.get("files", {}).items():
        lines.append(_with_texts(row(f"file: {name}", t), t))
    lines.append("worst kinds: " + ", ".join(summary["worst_kinds"]))
    for error in summary["errors"]:
        lines.append(f"error: {error['id']} ({error['output']}): {error.get('message')}")
    return "\n".join(lines)


def select(cases: Iterable[ChallengeCase], kinds: tuple[str, ...]) -> list[ChallengeCase]:
    """The cases of the named kinds (all when none are named); an unknown kind is an error."""
    cases = list(cases)
    if not kinds:
        return cases
    known = {c.kind for c in cases}
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise InputError(
            f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}", field="kind"
        )
    return [c for c in cases if c.kind in kinds]


@click.command("cases")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="A folder of challenge-set JSONL files (default: the project's bench/cases).",
)
@click.option("--config", type=click.Path(dir_okay=False), help="A TOML config.")
@click.option("--no-model", is_flag=True, help="Rules only (the config's NO_MODEL overrides).")
@click.option("--kind", "kinds", multiple=True, help="Only this kind (repeatable).")
@click.option(
    "--part",
    type=click.Choice(["all", *PARTS]),
    default="all",
    show_default=True,
    help="Only the development part or only the held-out part (files in HELD_OUT_FILES, "
    "reported as totals: tune on dev, measure on held-out).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def bench_cases(
    data_dir: str | None,
    config: str | None,
    no_model: bool,
    kinds: tuple[str, ...],
    part: str,
    fmt: str,
) -> None:
    """The project's challenge set: per kind, erroneous outputs caught at risk >= 3 on the
    changed span, severity-4 cases graded 4, and faithful twins flagged (false alarms); per
    part, the 95% Wilson intervals of those rates (how far they can be read on so few records).

    Exits 0 whatever the figures; 1 when the set or the config cannot be read.

    \b
    Examples:
      medfact bench cases
      medfact bench cases --no-model --format json > cases.json
      medfact bench cases --kind allergy_deleted --kind code_status_reversed
      medfact bench cases --part held-out
    """
    from medfact.config import NO_MODEL
    from medfact.errors import MedfactError
    from medfact.pipeline import Engine

    try:
        cases = select_part(select(load_cases(Path(data_dir) if data_dir else None), kinds), part)
        engine = Engine.from_config(config, NO_MODEL if no_model else None)
        summary = run(cases, engine)
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(text_report(summary) if fmt == "text" else json.dumps(summary, indent=2))
