"""Golden outputs: one hash per record of `medfact score`, `gate --format sarif` and `correct`.

A refactor that must not change output is checked by recording the hashes before it and
comparing after. Only hashes are stored (the texts come from ../shared/data, which never goes
into the repository); `--diff` names the records that differ and writes both versions.

    python bench/golden.py --write            # record tests/golden/hashes.json
    python bench/golden.py                    # compare; exit 1 and list differences
    python bench/golden.py --rules-only       # the --no-model outputs only (tests/test_golden.py)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("MEDFACT_DATA", ROOT.parent / "shared" / "data"))
HASHES = ROOT / "tests" / "golden" / "hashes.json"
CASE_FIELDS = ("id", "task", "output", "context", "question", "reference", "metadata")
VOLATILE = {"timings", "duration_s", "startTimeUtc", "endTimeUtc", "elapsed"}


def _strip(value: Any) -> Any:
    """The value without timing fields (they change from run to run)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _digest(value: Any) -> str:
    blob = json.dumps(_strip(value), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def golden_cases(work: Path) -> list[dict[str, Any]]:
    """The bundled examples plus a seeded synthetic set (clean and perturbed MTS-Dialog notes)."""
    cases = [json.loads(line) for line in (ROOT / "examples" / "cases.jsonl").open()]
    out = work / "synth"
    subprocess.run(
        [sys.executable, "-m", "medfact.cli", "synth", "make", "--from", "mts-dialog",
         str(DATA / "mts-dialog"), "--split", "validation", "--out", str(out), "--seed", "0"],
        check=True, capture_output=True,
    )  # fmt: skip
    for split in ("train", "valid", "test"):
        for line in (out / f"{split}.jsonl").open():
            row = json.loads(line)
            cases.append({k: row[k] for k in CASE_FIELDS if row.get(k) is not None})
    return cases


def _medfact(*args: str, cwd: Path = ROOT) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "medfact.cli", *args], capture_output=True, text=True, cwd=cwd
    )
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"medfact {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


def record(work: Path, rules_only: bool = False) -> dict[str, dict[str, Any]]:
    """Every command's output on the golden inputs, keyed command -> record id -> JSON
    (``rules_only``: the ``--no-model`` ones, which do not depend on the CPU's float kernels)."""
    cases = golden_cases(work)
    cases_file = work / "cases.jsonl"
    cases_file.write_text("".join(json.dumps(c) + "\n" for c in cases))
    out: dict[str, dict[str, Any]] = {}
    models = [] if rules_only else [[]]
    for name, extra in ((f"score{' '.join(['', *e])}", e) for e in [*models, ["--no-model"]]):
        text = _medfact("score", "--input", str(cases_file), "--format", "jsonl",
                        "--no-progress", *extra)  # fmt: skip
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        out[name] = {f"{i}:{r.get('id')}": r for i, r in enumerate(rows)}
    notes = work / "notes"
    notes.mkdir()
    for i, case in enumerate(c for c in cases if c.get("context") and c.get("output")):
        if i >= 60:
            break
        (notes / f"n{i:03d}.txt").write_text(case["output"])
        (notes / f"n{i:03d}.context.txt").write_text(case["context"])
    for name, extra in ((f"gate sarif{' '.join(['', *e])}", e) for e in [*models, ["--no-model"]]):
        sarif = json.loads(
            _medfact("gate", "notes", "--format", "sarif", "--no-cache", *extra, cwd=work)
        )
        run = sarif["runs"][0]
        rows = {"tool": run["tool"]}
        for result in run.get("results", []):
            loc = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            rows.setdefault(loc, []).append(result)
        out[name] = rows
    medec = DATA / "medec-ms" / "MEDEC-MS-ValidationSet-with-GroundTruth-and-ErrorType.csv"
    if medec.exists() and not rules_only:
        import csv

        with medec.open(newline="", encoding="utf-8") as handle:
            rows_in = [r for _, r in zip(range(60), csv.DictReader(handle), strict=False)]
        notes_file = work / "medec.jsonl"
        notes_file.write_text(
            "".join(json.dumps({"id": r["Text ID"], "text": r["Text"]}) + "\n" for r in rows_in)
        )
        text = _medfact("correct", "--input", str(notes_file), "--format", "jsonl",
                        "--data-dir", str(DATA), "--home", str(work / "home"))  # fmt: skip
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        out["correct"] = {f"{i}:{r.get('id')}": r for i, r in enumerate(rows)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record the hashes")
    parser.add_argument("--diff", type=Path, help="write differing records (both sides) here")
    parser.add_argument(
        "--rules-only", action="store_true", help="only the --no-model outputs (what CI checks)"
    )
    args = parser.parse_args()
    if not (DATA / "mts-dialog").exists():
        print(f"no MTS-Dialog under {DATA}: set MEDFACT_DATA", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        outputs = record(Path(tmp), args.rules_only)
    hashes = {cmd: {k: _digest(v) for k, v in rows.items()} for cmd, rows in outputs.items()}
    if args.write:
        HASHES.parent.mkdir(parents=True, exist_ok=True)
        HASHES.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
        print(f"wrote {sum(map(len, hashes.values()))} hashes to {HASHES}")
        return 0
    expected = json.loads(HASHES.read_text())
    bad = 0
    commands = set(hashes) if args.rules_only else set(expected) | set(hashes)
    for cmd in sorted(commands):
        want, got = expected.get(cmd, {}), hashes.get(cmd, {})
        differ = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
        print(f"{cmd}: {len(got)} records, {len(differ)} differ")
        bad += len(differ)
        if differ and args.diff:
            args.diff.mkdir(parents=True, exist_ok=True)
            with (args.diff / f"{cmd.replace(' ', '_')}.jsonl").open("w") as handle:
                for key in differ:
                    handle.write(json.dumps({"key": key, "got": outputs[cmd].get(key)}) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
