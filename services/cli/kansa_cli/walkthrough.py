"""The demo's security officer: after the month is in, one officer works through the investigation API the way
the brief describes (search, a resident's access history, the alert queue), and an administrator then finds those
very actions in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from kansa_cli.pipeline import Services, wait_until_indexed
from kansa_investigate.tokens import Role, issue


@dataclass(frozen=True)
class Walkthrough:
    exports_found: int
    history_rows: int
    history_without_case: int
    acknowledged: int
    resolved: int
    audit_events: int
    officer_token: str


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    response = client.request(method, path, **kwargs)
    if response.status_code >= 400:
        raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text[:500]}")
    return response.json()


def officer_walkthrough(services: Services, tenant: str) -> Walkthrough:
    """Needs the indexer still running, so the audit events it causes are indexed before it returns. The detector
    should be stopped: audit events carry today's time, and the simulated month's open deadlines would expire."""
    config = services.config
    officer = issue(config.api_tokens_file, "sec-officer-01", Role.OFFICER, (tenant,), "demo officer")
    admin = issue(config.api_tokens_file, "sec-admin-01", Role.ADMIN, (tenant,), "demo administrator")
    services.start("api")
    base = f"http://127.0.0.1:{config.api_port}"
    services.wait_for_health(base, "the investigation API")
    root = f"/v1/tenants/{tenant}"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {officer}"}, timeout=120) as client:
        exports = _call(client, "POST", f"{root}/events/search", json={"action": "export.executed", "size": 20})
        # The resident behind a "no matching case" alert (DR-23): what would we tell them if they asked?
        no_case = _call(client, "GET", f"{root}/alerts", params={"rule": "DR-23", "size": 1})["alerts"]
        history: dict[str, Any] = {"rows": [], "without_case": 0}
        if no_case:
            detail = _call(client, "GET", f"{root}/alerts/{no_case[0]['alert']['_id']}")
            subject = next((e["subject_ref"] for e in detail["events"] if e.get("subject_ref")), None)
            if subject:
                history = _call(client, "POST", f"{root}/subjects/history", json={"subject_ref": subject})
        queue = _call(client, "GET", f"{root}/alerts", params={"severity": "critical", "status": "open", "size": 3})
        acknowledged = resolved = 0
        for item in queue["alerts"]:
            alert_id = item["alert"]["_id"]
            _call(client, "POST", f"{root}/alerts/{alert_id}/triage",
                  json={"action": "acknowledge", "note": "調査開始", "expected_seq": item["seq"]})
            acknowledged += 1
        if queue["alerts"]:
            first = queue["alerts"][0]["alert"]["_id"]
            _call(client, "POST", f"{root}/alerts/{first}/triage", json={
                "action": "resolve", "resolution": "true_positive", "incident": "incident",
                "note": "所属長に報告し、是正を指示した", "expected_seq": 1})
            resolved = 1
    wait_until_indexed(services)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=60) as client:
        trail = _call(client, "POST", f"{root}/events/search",
                      json={"family": "audit", "actor": "sec-officer-01", "size": 1})
    return Walkthrough(exports_found=exports["total"], history_rows=len(history["rows"]),
                       history_without_case=history["without_case"], acknowledged=acknowledged, resolved=resolved,
                       audit_events=trail["total"], officer_token=officer)
