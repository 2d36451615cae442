"""The claims benchmark in short form (CI): QIANDAI_SCALE sets the number of visits (default 20,000).

The full figure (1,000,000 visits ≈ 10 million fee lines) is `make bench`; see docs/benchmarks.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.scale
def test_claims_benchmark_short_form(tmp_path: Path) -> None:
    visits = int(os.environ.get("QIANDAI_SCALE", "20000"))
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "claims_audit.py"),
            "--visits",
            str(visits),
            "--repeat",
            "1",
            "--data",
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "fee lines/s" in proc.stdout and "audit/scan ratio" in proc.stdout
    assert "reproduce:" in proc.stdout


def test_columns_command_lists_requirements() -> None:
    from typer.testing import CliRunner

    from qiandai.cli.main import app

    result = CliRunner().invoke(app, ["claims", "columns"])
    assert result.exit_code == 0
    assert "FEE_LIST_D" in result.output and "pric_uplmt_amt" in result.output
