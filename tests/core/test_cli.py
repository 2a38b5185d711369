"""The command line end to end: exit codes, clear errors, and the demo audit's outputs."""

from __future__ import annotations

import json
import shlex
import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from dcaudit.config import Settings
from dcaudit.demo import ground_truth_path
from dcaudit.store import Store

from .audits import dcaudit

REPO = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_clean_error(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert result.returncode == code, result.stderr
    assert text in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_cli_bad_url_is_a_usage_error(tmp_path: Path) -> None:
    result = dcaudit("audit", "council.example/apply", cwd=tmp_path)
    assert_clean_error(result, 2, "not a web address")


def test_cli_unreachable_seed_fails_the_run(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    result = dcaudit("audit", url, "--no-browser", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert_clean_error(result, 3, "127.0.0.1")


def test_cli_dns_failure_fails_the_run(tmp_path: Path) -> None:
    result = dcaudit(
        "audit", "http://no-such-council.invalid/", "--no-browser", "--out", "out", cwd=tmp_path
    )
    assert_clean_error(result, 3, "no-such-council.invalid")


def test_cli_tls_certificates_that_cannot_be_loaded_are_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing-ca.pem"))
    url = f"https://127.0.0.1:{closed_port()}/"
    result = dcaudit("audit", url, "--no-browser", "--out", "out", cwd=tmp_path)
    assert_clean_error(result, 2, f"SSL_CERT_FILE={tmp_path / 'missing-ca.pem'}")


def test_cli_invalid_config_file(tmp_path: Path) -> None:
    (tmp_path / "dcaudit.toml").write_text("max_pages = 'lots'\n")
    result = dcaudit("audit", "http://127.0.0.1:9/", cwd=tmp_path)
    assert_clean_error(result, 2, "dcaudit.toml")


def test_cli_bad_gate_condition(tmp_path: Path) -> None:
    result = dcaudit("audit", "http://127.0.0.1:9/", "--fail-on", "critical>>0", cwd=tmp_path)
    assert_clean_error(result, 2, "critical>>0")


def one_line_error(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert_clean_error(result, code, text)
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("dcaudit: error: ")


@pytest.mark.parametrize(
    "url",
    ["http://[::1/", "http://127.0.0.1:99999/", "http://127.0.0.1:0/", "http://127.0.0.1:x/"],
)
def test_cli_invalid_seed_is_refused_before_anything_is_stored(tmp_path: Path, url: str) -> None:
    result = dcaudit("audit", url, "--no-browser", cwd=tmp_path)
    one_line_error(result, 2, f"not a web address: '{url}'")
    assert list(tmp_path.iterdir()) == []  # no store, so no run


@pytest.mark.parametrize(
    ("args", "env", "setting"),
    [
        (["--delay", "inf"], {}, "option --delay"),
        (["--delay", "nan"], {}, "option --delay"),
        ([], {"DCAUDIT_DELAY": "inf"}, "environment variable DCAUDIT_DELAY"),
        ([], {"DCAUDIT_TOTAL_TIMEOUT": "nan"}, "environment variable DCAUDIT_TOTAL_TIMEOUT"),
    ],
)
def test_cli_non_finite_numbers_are_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    setting: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = dcaudit("audit", f"http://127.0.0.1:{closed_port()}/", *args, cwd=tmp_path)
    one_line_error(result, 2, f"{setting}: setting")
    assert "must be a finite number" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_non_finite_number_in_a_config_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dcaudit.toml").write_text("connect_timeout = inf\n")
    result = dcaudit("demo", "--no-browser", cwd=tmp_path)
    one_line_error(result, 2, "dcaudit.toml: setting 'connect_timeout': must be a finite number")


def test_cli_audit_help_gives_each_default_and_what_0_means(tmp_path: Path) -> None:
    result = dcaudit("audit", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    defaults = Settings()
    for shown in (
        f"(default {defaults.max_pages}; 0: no limit)",
        f"(default {defaults.max_depth}; 0: the seeds only)",
        f"(default {defaults.concurrency})",
        f"(default {defaults.delay:g}; a larger robots.txt Crawl-delay wins)",
        "(default 0; 0: every HTML page)",
        "(default 0; 0: no sampling)",
        "(default 0; 0: one per core, at most 2)",
        f"(default {defaults.out_dir})",
        f"(default {defaults.user_agent})",
    ):
        assert shown in text, shown
    demo_text = " ".join(dcaudit("demo", "--help", cwd=tmp_path).stdout.split())
    assert "(default 0; a larger robots.txt Crawl-delay wins)" in demo_text
    assert "(default reports/demo)" in demo_text and "(repeatable; default cy)" in demo_text


@pytest.mark.parametrize(
    "args",
    [["runs"], ["report", "latest"], ["runs", "--out", "audits"], ["report", "1", "--store", "s"]],
)
def test_cli_reading_commands_never_create_a_store(tmp_path: Path, args: list[str]) -> None:
    result = dcaudit(*args, cwd=tmp_path)
    looked = {"audits": "audits/dcaudit.sqlite", "s": "s"}.get(args[-1], "reports/dcaudit.sqlite")
    one_line_error(result, 2, f"no store at {Path(looked)}")
    assert list(tmp_path.iterdir()) == []


def test_cli_unknown_run_to_report(demo_run: Path, tmp_path: Path) -> None:
    store = str(demo_run / "dcaudit.sqlite")
    result = dcaudit("report", "nope", "--store", store, "--out", "again", cwd=tmp_path)
    one_line_error(result, 2, "no run 'nope'")  # the user's mistake, not a failed run


def test_cli_latest_report_of_a_store_without_runs_is_a_usage_mistake(tmp_path: Path) -> None:
    Store(tmp_path / "reports" / "dcaudit.sqlite").close()
    result = dcaudit("report", "latest", cwd=tmp_path)
    one_line_error(result, 2, "no runs in reports/dcaudit.sqlite yet: dcaudit audit URL stores one")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["dcaudit.sqlite", "reports"]


def test_cli_rules_list_and_show(tmp_path: Path) -> None:
    listed = dcaudit("rules", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "DCC" in listed.stdout and "DCA001" in listed.stdout
    shown = dcaudit("rules", "show", "DCA001", cwd=tmp_path)
    assert shown.returncode == 0 and "DCA001" in shown.stdout
    missing = dcaudit("rules", "show", "DCZ999", cwd=tmp_path)
    assert_clean_error(missing, 2, "DCZ999")


EXAMPLES = """<!doctype html>
<html lang="en"><head><title>DCS901 examples</title></head>
<body>
  <main>
    <!-- expect: DCS901 -->
    <textarea data-page data-url="http://example.gov.uk/apply?a=1&amp;b=2"><html lang="en">
<head><title>Fish &amp; chips</title></head>
<body><p>Apply</p></body></html></textarea>
    <!-- ok: DCS901 -->
    <form action="/send">
      <label>Name  <input name="n"></label>
    </form>
  </main>
</body></html>
"""
SHOWN = """
Examples from DCS901.html:
  expect (line 5):
    <textarea data-page data-url="http://example.gov.uk/apply?a=1&amp;b=2"><html lang="en">
    <head><title>Fish & chips</title></head>
    <body><p>Apply</p></body></html></textarea>
  ok (line 9):
    <form action="/send">
      <label>Name  <input name="n"></label>
    </form>
"""


def test_cli_rules_show_prints_examples_as_written(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    (pack / "tests").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "name: extra\nversion: 1.0.0\nkind: security\ndescription: examples\n"
    )
    rule = (REPO / "rules" / "security" / "DCS001.yaml").read_text(encoding="utf-8")
    (pack / "DCS901.yaml").write_text(rule.replace("DCS001", "DCS901"), encoding="utf-8")
    (pack / "tests" / "DCS901.html").write_text(EXAMPLES, encoding="utf-8")
    shown = dcaudit("rules", "show", "DCS901", "--rules", str(pack), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    # the rule's text, then each example as written (a page in a textarea unescaped)
    assert shown.stdout.startswith("DCS901  Pages are served over HTTPS\n")
    assert shown.stdout.endswith("\n" + SHOWN) and shown.stdout.count("Examples") == 1
    builtin = dcaudit("rules", "show", "DCA001", cwd=tmp_path).stdout
    assert '\n    <img src="bins.png" alt="  ">\n' in builtin  # the spaces kept


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One static-only demo audit, shared by the tests below."""
    cwd = tmp_path_factory.mktemp("demo")
    # the folder scripts/demo.sh writes to, so the README's next commands can run after it
    result = dcaudit(
        "demo", "--no-browser", "--out", "reports/demo", "--fail-on", "critical>0", cwd=cwd
    )
    # the demo site has known critical barriers, so the gate fails with exit code 1
    assert result.returncode == 1, result.stderr
    assert "FAILED: critical" in result.stderr
    assert "two-way share:" in result.stdout
    return cwd / "reports" / "demo"


def test_cli_demo_writes_every_format(demo_run: Path) -> None:
    for name in (
        "report.html",
        "report.json",
        "interactions.csv",
        "findings.csv",
        "junit.xml",
        "report.sarif",
        "summary.md",
        "dcaudit.sqlite",
    ):
        assert (demo_run / name).stat().st_size > 0, name


def test_cli_demo_json_is_valid_against_the_shipped_schema(demo_run: Path) -> None:
    schema = json.loads((files("dcaudit.report") / "report.schema.json").read_text())
    report = json.loads((demo_run / "report.json").read_text())
    jsonschema.validate(report, schema)
    assert report["run"]["status"] == "complete"
    assert report["run"]["stats"]["pages_fetched"] >= 25
    assert report["tool"]["axe_core"] is None  # --no-browser
    assert {f["source"] for f in report["findings"]} >= {"static", "exclusion"}


def classes_wrong(report: dict[str, Any], with_browser: bool) -> list[tuple[Any, ...]]:
    """Ground-truth entries with no single matching interaction of the right class."""
    truth = yaml.safe_load(ground_truth_path().read_text())["interactions"]
    wrong = []
    for entry in truth:
        if entry["page"] == "*" or (
            "requires_javascript" in entry.get("tags", []) and not with_browser
        ):
            continue
        found = [
            i
            for i in report["interactions"]
            if i["page"].endswith(entry["page"])
            and i["kind"] == entry["kind"]
            and entry["match"].lower() in ((i["target"] or "") + " " + i["label"]).lower()
        ]
        if len(found) != 1 or found[0]["class"] != entry["class"]:
            wrong.append(
                (entry["page"], entry["match"], entry["class"], [f["class"] for f in found])
            )
    return wrong


def test_cli_demo_classes_match_ground_truth(demo_run: Path) -> None:
    report = json.loads((demo_run / "report.json").read_text())
    assert classes_wrong(report, with_browser=False) == []


def test_cli_report_rerenders_a_stored_run(demo_run: Path, tmp_path: Path) -> None:
    store = str(demo_run / "dcaudit.sqlite")
    runs = dcaudit("runs", "--store", store, cwd=tmp_path)
    run_id = runs.stdout.split()[0]
    result = dcaudit(
        "report", run_id, "--store", store, "--format", "md,json", "--out", "again", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    first = json.loads((demo_run / "report.json").read_text())
    again = json.loads((tmp_path / "again" / "report.json").read_text())
    assert again == first
    assert not (tmp_path / "again" / "report.html").exists()


def readme_use_commands() -> list[list[str]]:
    """The README's "Use" examples that read the store, as argument lists."""
    use = (REPO / "README.md").read_text(encoding="utf-8").split("\n## Use\n", 1)[1]
    block = use.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [line.split(" # ")[0] for line in block.splitlines()]
    return [
        shlex.split(line)[1:]
        for line in lines
        if line.startswith(("dcaudit runs", "dcaudit report"))
    ]


def test_cli_readme_store_examples_work_after_the_demo(demo_run: Path) -> None:
    cwd = demo_run.parents[1]  # where scripts/demo.sh runs dcaudit demo --out reports/demo
    commands = readme_use_commands()
    assert [args[0] for args in commands] == ["runs", "report"]
    for args in commands:
        result = dcaudit(*args, cwd=cwd)
        assert result.returncode == 0, (args, result.stderr)
    assert (cwd / "reports" / "again" / "report.sarif").stat().st_size > 0
    # without --store, runs says where it looked and where the demo's store is
    bare = dcaudit("runs", cwd=cwd)
    one_line_error(bare, 2, f"no store at {Path('reports/dcaudit.sqlite')}")
    assert str(Path("reports/demo/dcaudit.sqlite")) in bare.stderr


@pytest.mark.browser
def test_cli_demo_with_browser_attaches_axe_findings(tmp_path: Path) -> None:
    result = dcaudit("demo", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    axe_package = Path(__file__).resolve().parents[2] / "node_modules/axe-core/package.json"
    assert report["tool"]["axe_core"] == json.loads(axe_package.read_text())["version"]
    assert report["run"]["stats"]["browser_checked"] == sum(
        1 for p in report["pages"] if p["browser_checked"]
    )
    axe = [f for f in report["findings"] if f["source"] == "axe"]
    assert axe and all(f["rule"].startswith("axe/") for f in axe)
    two_way = {i["id"] for i in report["interactions"] if i["mode"] == "two_way"}
    assert any(f["interaction"] in two_way for f in axe), "no axe finding blocks a two-way form"
    # the call-back form only exists once JavaScript has run
    assert classes_wrong(report, with_browser=True) == []
    js_only = [i for i in report["interactions"] if "requires_javascript" in i["tags"]]
    assert js_only


class _SlowSite:
    """Four linked pages on loopback; /slow answers only once released."""

    def __init__(self) -> None:
        self.requested_slow = threading.Event()
        self.release = threading.Event()
        self.paths: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.paths.append(self.path)
                if self.path == "/slow":
                    site.requested_slow.set()
                    site.release.wait(60)
                links = "".join(f'<a href="/{p}">{p}</a>' for p in ("a", "b", "slow"))
                body = f"<html lang='en'><title>{self.path}</title><body>{links}</body></html>"
                data = body.encode() if self.path != "/robots.txt" else b""
                self.send_response(200 if self.path != "/robots.txt" else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_cli_sigterm_keeps_the_run_and_resume_finishes_it(tmp_path: Path) -> None:
    site = _SlowSite()
    try:
        args = ["audit", site.url, "--no-browser", "--delay", "0", "--out", "out", "-q"]
        child = subprocess.Popen(
            [sys.executable, "-m", "dcaudit", *args],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert site.requested_slow.wait(60), "the crawl never reached /slow"
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=120)
        assert child.returncode == 130, err
        assert "Traceback" not in err
        run_id = out.split()[1].rstrip(":")
        report = json.loads((tmp_path / "out" / "report.json").read_text())
        assert report["run"]["status"] == "partial"
        assert any(n.startswith("interrupted") for n in report["run"]["notes"])
        site.release.set()
        done_before = sorted(p["url"] for p in report["pages"])
        resumed = dcaudit("audit", "--resume", run_id, "--no-browser", "--out", "out", cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
        final = json.loads((tmp_path / "out" / "report.json").read_text())
        assert final["run"]["status"] == "complete"
        assert not any(n.startswith("interrupted") for n in final["run"]["notes"])
        assert sorted(p["url"].removeprefix(site.url) for p in final["pages"]) == [
            "",
            "a",
            "b",
            "slow",
        ]
        # pages stored before the interruption were not fetched again
        for url in done_before:
            path = "/" + url.removeprefix(site.url)
            assert site.paths.count(path) == 1, (path, site.paths)
    finally:
        site.close()
