#!/usr/bin/env bash
# GitHub Action step 2: run orgtrail for the event.
#   INPUT_COMMAND=auto: pull_request -> plan (markdown, for the comment step); push to the default
#   branch -> apply --auto-approve; schedule / workflow_dispatch -> drift --format sarif, then
#   (INPUT_VERIFY=true, the default) verify --format sarif: the logs of every account arrived and
#   are intact (INPUT_VERIFY_ARGS, default `--since 24h --validate`); anything else (a push to
#   another branch) -> plan. Or plan | apply | drift | verify.
# Outputs (GITHUB_OUTPUT): command, exit-code (the worst of drift and verify: 1 error, 2 findings),
# markdown-file (plan), sarif-file (drift), verify-sarif-file (verify).
# Never fails itself: the action's last step fails the job on exit-code != 0 after the comment
# and the SARIF upload ran.
set -uo pipefail
bin=${ORGTRAIL:-orgtrail}
out=${RUNNER_TEMP:-/tmp}/orgtrail-out
mkdir -p "$out"
read -r -a paths <<< "${INPUT_PATHS:-specs/}"
read -r -a extra <<< "${INPUT_ARGS:-}"

event_field() {
  [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] || return 0
  python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k, {}) if isinstance(v, dict) else {}
print(v if isinstance(v, (str, int)) else "")' "$GITHUB_EVENT_PATH" "$1"
}

command=${INPUT_COMMAND:-auto}
if [ "$command" = auto ]; then
  default=${INPUT_DEFAULT_BRANCH:-$(event_field repository.default_branch)}
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target) command=plan ;;
    push) if [ -n "$default" ] && [ "${GITHUB_REF:-}" = "refs/heads/$default" ]; then command=apply; else command=plan; fi ;;
    schedule | workflow_dispatch) command=drift ;;
    *) command=plan ;;
  esac
fi
echo "orgtrail: ${GITHUB_EVENT_NAME:-(no event)} on ${GITHUB_REF:-(no ref)} -> orgtrail $command ${paths[*]}"

code=0
# The worst exit code wins: an error (1, or any code but 0 and 2: a crash) over findings (2) over
# success (0).
worst() {
  local a=$1 b=$code
  case "$a" in 0 | 2) ;; *) a=1 ;; esac
  case "$b" in 0 | 2) ;; *) b=1 ;; esac
  if [ "$a" = 1 ] || [ "$b" = 1 ]; then code=1; elif [ "$a" = 2 ] || [ "$b" = 2 ]; then code=2; else code=0; fi
}
run_verify() {
  local vcode=0
  read -r -a vargs <<< "${INPUT_VERIFY_ARGS:---since 24h --validate}"
  "$bin" verify "${paths[@]}" "${vargs[@]}" --format sarif > "$out/verify.sarif" || vcode=$?
  echo "verify exited $vcode"
  echo "verify-sarif-file=$out/verify.sarif" >> "${GITHUB_OUTPUT:-/dev/null}"
  worst "$vcode"
}
case "$command" in
  plan)
    "$bin" plan "${paths[@]}" --format markdown "${extra[@]}" > "$out/plan.md" || code=$?
    cat "$out/plan.md"
    echo "markdown-file=$out/plan.md" >> "${GITHUB_OUTPUT:-/dev/null}"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$out/plan.md" >> "$GITHUB_STEP_SUMMARY"; fi
    ;;
  apply)
    # Reductions approved in review (a maintainer's label on the merged pull request, and the
    # fingerprint its plan comment showed): applied only if the fresh plan's are exactly those.
    approved=''
    if [ -n "${GITHUB_TOKEN:-}" ]; then
      approved=$(python3 "$(dirname "$0")/approval.py") || approved=''
    fi
    if [ -n "$approved" ]; then
      "$bin" apply "${paths[@]}" --auto-approve --approved-reductions "$approved" "${extra[@]}" || code=$?
    else
      "$bin" apply "${paths[@]}" --auto-approve "${extra[@]}" || code=$?
    fi
    ;;
  drift)
    "$bin" drift "${paths[@]}" --format sarif "${extra[@]}" > "$out/drift.sarif" || code=$?
    echo "sarif-file=$out/drift.sarif" >> "${GITHUB_OUTPUT:-/dev/null}"
    if [ "${INPUT_VERIFY:-true}" = true ]; then
      run_verify
    fi
    ;;
  verify)
    run_verify
    ;;
  *)
    echo "orgtrail: unknown command \`$command\` (auto, plan, apply, drift or verify)" >&2
    code=1
    ;;
esac
{
  echo "command=$command"
  echo "exit-code=$code"
} >> "${GITHUB_OUTPUT:-/dev/null}"
echo "orgtrail $command exited $code"
