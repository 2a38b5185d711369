"""Our thin axe-core runner: preload once per browser, one script call per page.

Why not axe-selenium-python's runner: its ``inject()`` re-reads axe.min.js from disk and
sends the whole ~600 KB script over the WebDriver wire on every page, then ``run()`` is a
second round trip; it never reaches into frames, takes options as raw JavaScript text, and
ships a 2018 axe-core. Here axe is registered once per browser with CDP
``Page.addScriptToEvaluateOnNewDocument``, so every new document (frames included) already
has it, and ONE ``execute_async_script`` per page waits for load, reads the rendered HTML and
resource timings, runs axe, and maps each node to the interaction that contains it.

The page can tamper with globals, so the preload keeps its own reference to axe in a
non-writable property, and everything the script returns is validated in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

from dcaudit.browser.axe_script import AxeScript
from dcaudit.errors import CheckError

AXE_HANDLE = "__dcauditAxe"

# Runs after axe.min.js in the same document: keep a private reference to axe and let
# resource timing hold more than the default 250 entries, so request counts are complete.
_KEEP_HANDLE = f"""
;(function () {{
  try {{
    if (window.axe && !window.{AXE_HANDLE}) {{
      Object.defineProperty(window, "{AXE_HANDLE}", {{ value: window.axe }});
    }}
    performance.setResourceTimingBufferSize(10000);
  }} catch (ignored) {{}}
}})();
"""

# arguments: [tags, interaction selectors, HTML size limit, callback]. Returns a plain
# object; see run_axe.
PAGE_RUNNER = f"""
const done = arguments[arguments.length - 1];
const tags = arguments[0];
const selectors = arguments[1];
const htmlLimit = arguments[2];
const out = {{ url: String(location.href), missing: false, error: null, version: null,
  html: null, requests: null, bytes: null, violations: [], incomplete: [], net_error: null }};
if (location.protocol === "chrome-error:") {{
  // Chromium's own error page: the navigation failed (refused, DNS, blocked host).
  const data = document.documentElement.outerHTML.match(/"errorCode":"(ERR_[A-Z_]+)"/);
  const shown = document.querySelector(".error-code");
  out.net_error = data ? data[1] : (shown ? shown.textContent.trim() : "ERR_UNKNOWN");
  done(out);
  return;
}}
const engine = window.{AXE_HANDLE};
if (!engine || typeof engine.run !== "function") {{ out.missing = true; done(out); return; }}
const loaded = document.readyState === "complete" ? Promise.resolve()
  : new Promise((resolve) => window.addEventListener("load", resolve, {{ once: true }}));
loaded.then(() => {{
  out.url = String(location.href);
  out.version = String(engine.version);
  const html = document.documentElement ? document.documentElement.outerHTML : "";
  out.html = html.length > htmlLimit ? html.slice(0, htmlLimit) : html;
  // The browser's own favicon request races with this script; leave it out so counts
  // are the same on every run.
  const resources = performance.getEntriesByType("resource").filter((entry) =>
    !(entry.initiatorType === "other" && new URL(entry.name).pathname === "/favicon.ico"));
  let bytes = 0;
  for (const entry of performance.getEntriesByType("navigation").concat(resources)) {{
    bytes += entry.transferSize || entry.encodedBodySize || 0;
  }}
  out.requests = resources.length + 1;
  out.bytes = bytes;
  return engine.run(document, {{ runOnly: {{ type: "tag", values: tags }},
    resultTypes: ["violations", "incomplete"] }});
}}).then((results) => {{
  const owners = selectors.map((selector) => {{
    try {{ return document.querySelector(selector); }} catch (ignored) {{ return null; }}
  }});
  const cache = new Map();
  // The innermost interaction element containing the node's top-document element
  // (for nodes in frames or shadow roots: the frame or host element).
  const ownerOf = (target) => {{
    const top = Array.isArray(target) ? target[0] : null;
    const selector = Array.isArray(top) ? top[0] : top;
    if (typeof selector !== "string" || owners.length === 0) return -1;
    if (cache.has(selector)) return cache.get(selector);
    let element = null;
    try {{ element = document.querySelector(selector); }} catch (ignored) {{}}
    let best = -1;
    if (element) {{
      owners.forEach((owner, index) => {{
        if (owner && owner.contains(element) && (best < 0 || owners[best].contains(owner))) {{
          best = index;
        }}
      }});
    }}
    cache.set(selector, best);
    return best;
  }};
  const slim = (rule) => ({{ id: rule.id, impact: rule.impact, tags: rule.tags, help: rule.help,
    helpUrl: rule.helpUrl, nodes: rule.nodes.map((node) => ({{ target: node.target,
      html: node.html, impact: node.impact, failureSummary: node.failureSummary,
      owner: ownerOf(node.target) }})) }});
  out.violations = results.violations.map(slim);
  out.incomplete = results.incomplete.map(slim);
  done(out);
}}).catch((error) => {{ out.error = String((error && error.message) || error); done(out); }});
"""


def preload_source(axe: AxeScript) -> str:
    """The script registered once per browser for every new document."""
    return axe.source + _KEEP_HANDLE


def inline_source(axe: AxeScript) -> str:
    """axe for a document that lacks it (no CDP, or the preload did not reach it)."""
    return f"if (!window.{AXE_HANDLE}) {{\n{axe.source}\n{_KEEP_HANDLE}\n}}\n"


def run_axe(
    driver: WebDriver,
    tags: Sequence[str],
    selectors: Sequence[str],
    *,
    inline: str | None = None,
    html_limit: int = 10_000_000,
) -> dict[str, Any]:
    """Run the page runner; ``inline`` is axe source to evaluate first (per-page injection);
    the rendered HTML is cut at ``html_limit`` characters.

    Returns keys url, net_error, missing, error, version, html, requests, bytes, violations
    and incomplete.
    """
    script = PAGE_RUNNER if inline is None else inline + PAGE_RUNNER
    raw = driver.execute_async_script(script, list(tags), list(selectors), html_limit)
    if not isinstance(raw, dict):
        raise CheckError(f"axe runner returned {type(raw).__name__}, not an object")
    return raw
