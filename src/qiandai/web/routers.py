"""Every page router of the web console, in the order they are included."""

from __future__ import annotations

import importlib

from fastapi import APIRouter

MODULES = (
    "pages_auth",
    "yb_dashboard",
    "yb_review",
    "yb_findings",
    "yb_cases",
    "yb_programmes",
    "public",
    "handbook",
    "yb_reports",
    "yb_institutions",
    "yb_kb",
    "yb_casework",
    "yb_rewards",
    "yb_circulars",
    "yb_selfinspection",
    "yb_major",
    "yb_runs",
    "fz_dashboard",
    "fz_warnings",
    "fz_holds",
    "fz_lists",
    "fz_scenarios",
    "sim_screening",
    "dk_accounts",
    "dk_punish",
    "dk_opening",
    "gov_units",
    "gov_installs",
    "gov_cases",
    "gov_fraudfree",
    "gov_publicity",
    "gov_persons",
    "gov_reports",
)


def routers() -> list[APIRouter]:
    out = []
    for name in MODULES:
        module = importlib.import_module(f"qiandai.web.{name}")
        out.append(module.router)
        out.extend(getattr(module, "extra_routers", ()))
    return out
