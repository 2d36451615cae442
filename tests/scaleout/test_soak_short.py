"""The soak benchmark in short form (issue 9, part 5): ``bench/soak.py`` for 20 s at 100 decisions/s on
two workers must end with no errors, no worker restart and no runaway memory (a leak of tens of KB per
decision would show; the 10-minute run in docs/benchmarks.md is the real soak)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from databases import postgres_available

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres_available(), reason="PostgreSQL server binaries not found"),
]
ROOT = Path(__file__).resolve().parents[2]


def test_short_soak_has_no_errors_and_no_memory_runaway(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    cmd = [sys.executable, "bench/soak.py", "--rate", "100", "--minutes", "0.34", "--bucket", "5",
           "--sample", "1", "--customers", "300", "--no-fsync", "--json", str(out)]  # fmt: skip
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["requests"] == 2040 and result["errors"] == 0
    assert result["restarted_workers"] == []
    assert len(result["periods"]) >= 4 and all(p["errors"] == 0 for p in result["periods"])
    workers = [m for name, m in result["memory"].items() if name.startswith("worker")]
    assert len(workers) == 2
    assert all(m["growth_mb"] < 25 for m in workers), result["memory"]
    assert result["memory"]["PostgreSQL backend USS (mean per backend)"]["growth_mb"] < 8, result["memory"]
    assert "verdict:" in run.stdout and "command: .venv/bin/python bench/soak.py" in run.stdout
