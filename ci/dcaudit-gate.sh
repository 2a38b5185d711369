#!/usr/bin/env bash
# dcaudit in any CI: audit a preview of the site and fail only on what got worse than the
# baseline committed beside the code (dcaudit baseline save writes it; see the README).
#
#   AUDIT_URL=https://preview.example.gov.uk/ bash dcaudit-gate.sh
#
# AUDIT_URL       the site to audit (required)
# AUDIT_BASELINE  the committed baseline (default dcaudit-baseline.json)
# AUDIT_OUT       the report folder (default dcaudit-report)
# AUDIT_FAIL_ON   gate conditions, space-separated (default: new problems, lost two-way)
# AUDIT_FORMATS   report formats (default html,json,sarif,md)
# Any dcaudit setting can be given too, as DCAUDIT_<SETTING> (DCAUDIT_MAX_PAGES=200).
# Exit code: 0 nothing got worse, 1 the gate failed, 2 usage or configuration (a missing
# baseline too), 3 the audit itself failed.
set -euo pipefail
url=${AUDIT_URL:?set AUDIT_URL to the address of the site to audit}
out=${AUDIT_OUT:-dcaudit-report}
args=(audit "$url" --out "$out" --format "${AUDIT_FORMATS:-html,json,sarif,md}")
args+=(--baseline "${AUDIT_BASELINE:-dcaudit-baseline.json}")
for condition in ${AUDIT_FAIL_ON:-new>0 lost_two_way>0}; do
  args+=(--fail-on "$condition")
done
status=0
dcaudit "${args[@]}" || status=$?
echo "dcaudit-gate: reports in $out/ (summary.md for a pull-request comment); exit $status" >&2
exit "$status"
