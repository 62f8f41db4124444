"""axe-core (pinned in package.json, installed by `make install`) run inside a Playwright page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page

from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def violations(page: Page) -> list[dict[str, Any]]:
    """Every WCAG 2.1 A/AA violation axe finds on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: `make install` installs axe-core with npm")
    # Evaluated through the DevTools protocol, so the dashboard's script-src CSP does not block it.
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text() + "\n;0")
    result: dict[str, Any] = await page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return list(result["violations"])


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {n['target']}: {n.get('failureSummary', '')[:200]}" for n in v["nodes"][:5])
    return "\n".join(lines)


async def assert_accessible(page: Page, where: str) -> None:
    found = await violations(page)
    assert found == [], f"axe-core found WCAG 2.1 AA violations on {where}:\n{describe(found)}"
