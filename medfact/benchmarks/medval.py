"""`medfact bench medval`: MedVAL-Bench's public CSV, which users download themselves.

Columns: ``#, id, task, input, reference_output, output, physician_error_assessment,
physician_risk_grade``. Each output is scored against its input (the reference is not used, as in
MedVAL). Reports 4-class macro-F1, safe/unsafe F1 (levels 1-2 vs 3-4) and Pearson correlation with
the physician grade, overall and per task. A row that cannot be read or scored is counted and
listed, never dropped silently.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from medfact.errors import InputError

REQUIRED = ("id", "task", "input", "output", "physician_risk_grade")
_GRADE = re.compile(r"(?<![0-9])[1-4](?![0-9])")


def parse_grade(value: str) -> int:
    """'3', 'Level 3', '3 (moderate risk)' -> 3."""
    match = _GRADE.search(value or "")
    if match is None:
        raise ValueError(f"no risk grade 1-4 in {value!r}")
    return int(match.group())


def read_rows(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows, errors); each error names the CSV line and field."""
    csv.field_size_limit(sys.maxsize)
    rows, errors = [], []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"missing column(s) {', '.join(missing)}", record=str(path), field=missing[0]
            )
        start = reader.line_num + 1  # records span lines: report the line each one starts on
        for row in reader:
            line, start = start, reader.line_num + 1
            try:
                grade = parse_grade(row["physician_risk_grade"])
            except ValueError as exc:
                errors.append(
                    {
                        "line": line,
                        "id": row.get("id"),
                        "field": "physician_risk_grade",
                        "message": str(exc),
                    }
                )
                continue
            if not (row.get("output") or "").strip():
                errors.append(
                    {"line": line, "id": row.get("id"), "field": "output", "message": "is empty"}
                )
                continue
            rows.append(
                {
                    "id": row["id"] or str(line),
                    "task": row.get("task") or "unknown",
                    "input": row["input"],
                    "output": row["output"],
                    "grade": grade,
                    "line": line,
                }
            )
    return rows, errors


def _pearson(x: list[float], y: list[float]) -> float | None:
    n = len(x)
    if n < 2:
        return None
    mx, my = sum(x) / n, sum(y) / n
    sx = math.sqrt(sum((a - mx) ** 2 for a in x))
    sy = math.sqrt(sum((b - my) ** 2 for b in y))
    if sx == 0 or sy == 0:
        return None
    return sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / (sx * sy)


def _f1(y: list[int], p: list[int], labels: list[int]) -> float:
    scores = []
    for k in labels:
        tp = sum(a == k and b == k for a, b in zip(y, p, strict=True))
        fp = sum(a != k and b == k for a, b in zip(y, p, strict=True))
        fn = sum(a == k and b != k for a, b in zip(y, p, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def metrics(y: list[int], p: list[int]) -> dict[str, Any]:
    unsafe_y = [int(v >= 3) for v in y]
    unsafe_p = [int(v >= 3) for v in p]
    r = _pearson([float(v) for v in p], [float(v) for v in y])
    return {
        "n": len(y),
        "four_class_macro_f1": round(_f1(y, p, [1, 2, 3, 4]), 4),
        "safe_unsafe_macro_f1": round(_f1(unsafe_y, unsafe_p, [0, 1]), 4),
        "unsafe_f1": round(_f1(unsafe_y, unsafe_p, [1]), 4),
        "pearson": None if r is None else round(r, 4),
    }


def run(path: Path, engine: Any) -> dict[str, Any]:
    rows, errors = read_rows(path)
    cases = [
        {"id": r["id"], "output": r["output"], "context": r["input"], "task": r["task"]}
        for r in rows
    ]
    by_task: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    y_all, p_all = [], []
    for row, result in zip(rows, engine.score_many(cases), strict=True):
        if not hasattr(result, "risk_level"):
            errors.append(
                {
                    "line": row["line"],
                    "id": row["id"],
                    "field": result.error.get("field"),
                    "message": result.error.get("message"),
                }
            )
            continue
        pred = int(result.risk_level)
        y_all.append(row["grade"])
        p_all.append(pred)
        by_task[row["task"]][0].append(row["grade"])
        by_task[row["task"]][1].append(pred)
    return {
        "overall": metrics(y_all, p_all),
        "tasks": {t: metrics(y, p) for t, (y, p) in sorted(by_task.items())},
        "errors": errors,
    }
