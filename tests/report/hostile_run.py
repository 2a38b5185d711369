"""A run whose every site-supplied string is an attack on the report's readers.

Each payload, if it ever ran, would set ``window.__pwned`` (or open an alert). Used by the
browser test and by the text-level tests of every format.
"""

from __future__ import annotations

from dataclasses import replace

from dcaudit.models import Evidence, Finding, Interaction, Page, Risk, RiskFactor

from .fixture_run import FixtureRun, fixture_run

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1;alert(1)">'
BREAKOUT = '"><svg onload="window.__pwned=1">'
JS_URL = "javascript:window.__pwned=1;alert(1)//"
DATA_URL = "data:text/html,<script>window.__pwned=1</script>"
BROKEN = "</td></tr></table></details></section><h1>Fake heading</h1><!--"
TEMPLATE = "{{ 7*7 }}{% raw %}"
FORMULA = '=HYPERLINK("http://evil.example/","click")'
MARKDOWN = "[click](http://evil.example/) ![x](http://evil.example/p.png) @everyone"
CONTROL = "bidi\u202eevil\x00\x1b[31m"
PAYLOAD = " ".join((SCRIPT, IMG, BREAKOUT, BROKEN, TEMPLATE, CONTROL))


def hostile_run() -> FixtureRun:
    base = fixture_run()
    run = replace(
        base.run,
        seeds=(*base.run.seeds, JS_URL),
        notes=(*base.run.notes, f"note {PAYLOAD}"),
        settings={**base.run.settings, "exclude": [PAYLOAD], "user_agent": SCRIPT},
        tool={**base.run.tool, "rule_packs": {f"pack {SCRIPT}": BREAKOUT}},
    )
    pages = [_page(p, n) for n, p in enumerate(base.pages)]
    # a page whose own address is a script URL, with a finding on it
    pages.append(replace(base.pages[0], url=JS_URL, final_url=DATA_URL, title=SCRIPT))
    interactions = [_interaction(i, n) for n, i in enumerate(base.interactions)]
    findings = [_finding(f, n) for n, f in enumerate(base.findings)]
    findings.append(replace(findings[0], id="f-hostile-page", page=JS_URL, interaction=None))
    skips = [replace(s, url=f"{s.url}?{SCRIPT}", detail=IMG) for s in base.skips]
    return FixtureRun(run, pages, interactions, findings, skips)


def _page(page: Page, n: int) -> Page:
    title = f"{FORMULA} {PAYLOAD} {MARKDOWN}" if n % 2 == 0 else f"</title>{SCRIPT}"
    return replace(page, title=title, error=IMG if page.error else None)


def _interaction(interaction: Interaction, n: int) -> Interaction:
    target = (JS_URL, DATA_URL, f"https://evil.example/{BREAKOUT}", interaction.target)[n % 4]
    return replace(
        interaction,
        label=f"{FORMULA} {PAYLOAD}" if n % 2 == 0 else f"{MARKDOWN} {IMG}",
        selector=f"form{BREAKOUT}",
        target=target,
        method=SCRIPT,
        platform=IMG,
        tags=(SCRIPT,),
        evidence=(
            *interaction.evidence,
            Evidence(rule=f"DCC{SCRIPT}", reason=BROKEN, match=f"</textarea>{SCRIPT}"),
        ),
        risk=Risk(
            score=interaction.risk.score if interaction.risk else 1.0,
            factors=(RiskFactor(factor=SCRIPT, weight=1.0, detail=IMG),),
        ),
    )


def _finding(finding: Finding, n: int) -> Finding:
    return replace(
        finding,
        rule=finding.rule if n % 3 else f"{finding.rule}{SCRIPT}",
        message=f"{finding.message} {PAYLOAD}",
        selector=f"div{BREAKOUT}",
        snippet=f"{PAYLOAD} {MARKDOWN}",
        help_url=(JS_URL, DATA_URL, finding.help_url)[n % 3],
    )
