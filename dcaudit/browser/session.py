"""One headless Chromium under Selenium: find it, start it, kill it (whole process tree).

Chromium and ChromeDriver come from the operating system (PATH or Settings); Selenium
Manager is never asked, because the driver path is always given to ``Service``.
ChromeDriver starts in its own session (process group), and Chromium inherits it, so a
kill reaches the driver, the browser and every renderer at once; the reaper
(:mod:`~dcaudit.browser.reaper`) kills the group if dcaudit itself is killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection
from selenium.webdriver.remote.webdriver import WebDriver

from dcaudit.browser.axe_runner import preload_source
from dcaudit.browser.axe_script import AxeScript
from dcaudit.browser.reaper import BROWSER_VARIABLE, REAPER
from dcaudit.config import Settings
from dcaudit.errors import BrowserUnavailable

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMEDRIVER_NAMES = ("chromedriver",)
# Requests to hosts outside the audit go to this proxy, which refuses at once: offline they
# would otherwise stall on DNS, online they would feed trackers. Chromium never proxies
# loopback, and the audited hosts are put on the bypass list.
DEAD_PROXY = "http://127.0.0.1:9"
HEADLESS_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--disable-default-apps",
    "--window-size=1280,1024",
)
REASON_LIMIT = 300
GROUP_EXIT_WAIT = 5.0  # seconds to wait for a killed browser's processes to be gone
# Without these a fresh profile may try to restore a session and stall the first load.
STARTUP_PREFS = {"session.restore_on_startup": 4, "session.startup_urls": ["about:blank"]}


@dataclass(frozen=True)
class BrowserBinaries:
    chromium: str
    chromedriver: str


def _executable(configured: str, names: Iterable[str], what: str, setting: str) -> str:
    if configured:
        path = Path(configured).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise BrowserUnavailable(f"{what} not found or not executable at {path} ({setting})")
        return str(path)
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(
        f"{what} not found on PATH; install it from the OS packages "
        f"(Debian: apt install chromium chromium-driver) or set {setting}"
    )


def find_binaries(settings: Settings) -> BrowserBinaries:
    return BrowserBinaries(
        chromium=_executable(settings.chromium_path, CHROMIUM_NAMES, "Chromium", "chromium_path"),
        chromedriver=_executable(
            settings.chromedriver_path, CHROMEDRIVER_NAMES, "ChromeDriver", "chromedriver_path"
        ),
    )


def host_of(url: str) -> str | None:
    host = urlsplit(url).hostname
    return host.lower() if host else None


def bypass_rules(hosts: Iterable[str]) -> str:
    """Proxy bypass list for the audited hosts: each host and its subdomains; for a
    www. host also the bare domain (assets often come from static.<domain>)."""
    rules: list[str] = []
    for host in sorted(set(hosts)):
        names = [host]
        if host.startswith("www.") and host.count(".") >= 2:
            names.append(host[4:])
        for name in names:
            for rule in (name, f"*.{name}"):
                if rule not in rules:
                    rules.append(rule)
    return ";".join(rules)


def chrome_options(
    allowed_hosts: Iterable[str],
    *,
    binary: str | None,
    user_data_dir: Path | None,
) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    if binary:
        options.binary_location = binary
    for flag in HEADLESS_FLAGS:
        options.add_argument(flag)
    if user_data_dir is not None:
        options.add_argument(f"--user-data-dir={user_data_dir}")
    options.add_argument(f"--proxy-server={DEAD_PROXY}")
    bypass = bypass_rules(allowed_hosts)
    if bypass:
        options.add_argument(f"--proxy-bypass-list={bypass}")
    options.add_experimental_option("prefs", STARTUP_PREFS)
    options.page_load_strategy = "normal"
    # alert()/confirm() on load must not block the pass
    options.unhandled_prompt_behavior = "dismiss"
    return options


class BrowserSession:
    """A started browser. ``kill`` is idempotent and safe from any thread."""

    def __init__(
        self,
        driver: WebDriver,
        *,
        allowed_hosts: frozenset[str],
        preloaded: bool,
        process: subprocess.Popen[bytes] | None,
        user_data_dir: Path | None,
    ) -> None:
        self.driver = driver
        self.allowed_hosts = allowed_hosts
        self.preloaded = preloaded  # axe registered for every new document through CDP
        self._process = process
        self._user_data_dir = user_data_dir
        self._lock = threading.Lock()
        self._dead = False

    @property
    def dead(self) -> bool:
        return self._dead

    def covers(self, url: str) -> bool:
        return reaches_directly(url, self.allowed_hosts)

    def kill(self) -> None:
        with self._lock:
            if self._dead:
                return
            self._dead = True
        if self._process is None:
            self._quit_remote()
        else:
            kill_process_group(self._process)
        executor = self.driver.command_executor
        if isinstance(executor, RemoteConnection):
            with contextlib.suppress(Exception):
                executor.close()  # type: ignore[no-untyped-call]  # HTTP pool to the driver
        if self._user_data_dir is not None:
            shutil.rmtree(self._user_data_dir, ignore_errors=True)

    def _quit_remote(self) -> None:
        # A remote browser is not ours to signal; ending the session frees it.
        try:
            self.driver.quit()
        except Exception as exc:  # the remote end may already be gone
            log.debug("remote browser quit failed: %s", exc)


def reaches_directly(url: str, allowed_hosts: frozenset[str]) -> bool:
    """Whether a browser started with ``allowed_hosts`` loads ``url`` without the dead proxy."""
    host = host_of(url)
    return host is None or host in allowed_hosts or _is_loopback(host)


def _is_loopback(host: str) -> bool:
    return (
        host == "localhost"
        or host.endswith(".localhost")
        or host.startswith("127.")
        or host == "::1"
    )


def kill_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL ChromeDriver's process group (driver, Chromium and its children), reap the
    driver, and wait (bounded) until no member of the group is still running."""
    group = process.pid  # the driver leads its own group (start_new_session)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    deadline = time.monotonic() + GROUP_EXIT_WAIT
    while _group_running(group) and time.monotonic() < deadline:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)  # again: a process may have been mid-fork
        time.sleep(0.02)  # dying processes need a moment; bounded by GROUP_EXIT_WAIT
    if not _group_running(group):
        REAPER.forget(group)  # gone: its id may be reused by someone else's group
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _group_running(group: int) -> bool:
    """Whether any process of ``group`` is still running (zombies do not count).
    Reads /proc; where there is none, the signal has to suffice."""
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:
        return False
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and fields[2] == str(group) and fields[0] not in ("Z", "X"):
            return True
    return False


def start_session(
    settings: Settings,
    axe: AxeScript,
    allowed_hosts: frozenset[str],
    *,
    use_cdp: bool = True,
) -> BrowserSession:
    """Start one browser (local, or remote when Settings.webdriver_url is set) with axe preloaded.

    Raises BrowserUnavailable naming the cause when it cannot start.
    """
    # Selenium Manager is skipped because paths are given; offline mode guards the rest.
    os.environ.setdefault("SE_OFFLINE", "true")
    if settings.webdriver_url:
        session = _start_remote(settings, allowed_hosts)
    else:
        session = _start_local(settings, allowed_hosts)
    try:
        timeout = settings.browser_page_timeout
        session.driver.set_page_load_timeout(timeout)
        session.driver.set_script_timeout(timeout)
        if use_cdp:
            session.preloaded = _preload(session.driver, axe)
    except Exception as exc:
        session.kill()
        raise BrowserUnavailable(f"browser started but could not be configured: {exc}") from exc
    return session


def _preload(driver: WebDriver, axe: AxeScript) -> bool:
    try:
        driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument", {"source": preload_source(axe)}
        )
    except WebDriverException as exc:
        # Selenium Grid and some remote ends do not forward CDP: inject per page instead.
        log.info("CDP preload unavailable (%s); axe will be injected on every page", exc.msg)
        return False
    return True


class _WatchedService(Service):
    """ChromeDriver, watched by the reaper from the moment it starts (before Chromium):
    if dcaudit is killed, its process group and Chromium's profile folder go too."""

    profile = ""

    def _start_process(self, path: str) -> None:
        REAPER.ready()  # before the driver: it finds a driver killed before watch() below
        super()._start_process(path)
        REAPER.watch(self.process.pid, self.profile)


def _start_local(settings: Settings, allowed_hosts: frozenset[str]) -> BrowserSession:
    binaries = find_binaries(settings)
    user_data_dir = Path(tempfile.mkdtemp(prefix="dcaudit-chromium-"))
    service = _WatchedService(
        executable_path=binaries.chromedriver,
        log_output=subprocess.DEVNULL,
        env={**os.environ, BROWSER_VARIABLE: REAPER.token},
        popen_kw={"start_new_session": True},
    )
    service.profile = str(user_data_dir)
    options = chrome_options(allowed_hosts, binary=binaries.chromium, user_data_dir=user_data_dir)
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except Exception as exc:
        process = getattr(service, "process", None)
        if isinstance(process, subprocess.Popen):
            kill_process_group(process)
        shutil.rmtree(user_data_dir, ignore_errors=True)
        raise BrowserUnavailable(f"Chromium could not start: {describe(exc)}") from exc
    return BrowserSession(
        driver,
        allowed_hosts=allowed_hosts,
        preloaded=False,
        process=service.process,
        user_data_dir=user_data_dir,
    )


def _start_remote(settings: Settings, allowed_hosts: frozenset[str]) -> BrowserSession:
    # The remote end owns its profile folder and processes; we only hold the session.
    options = chrome_options(allowed_hosts, binary=None, user_data_dir=None)
    config = ClientConfig(
        remote_server_addr=settings.webdriver_url,
        timeout=int(settings.browser_page_timeout * 2 + 30),
    )
    try:
        driver = webdriver.Remote(
            command_executor=settings.webdriver_url, options=options, client_config=config
        )
    except Exception as exc:
        raise BrowserUnavailable(
            f"remote WebDriver at {settings.webdriver_url} could not start a browser: "
            f"{describe(exc)}"
        ) from exc
    return BrowserSession(
        driver, allowed_hosts=allowed_hosts, preloaded=False, process=None, user_data_dir=None
    )


def describe(exc: BaseException) -> str:
    """One short line naming the cause (WebDriver messages carry stack traces)."""
    text = exc.msg if isinstance(exc, WebDriverException) and exc.msg else str(exc)
    first = (text.strip().splitlines() or [type(exc).__name__])[0]
    return first[:REASON_LIMIT]
