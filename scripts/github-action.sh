#!/usr/bin/env bash
# The GitHub Action's run step (action.yml calls exactly this script; tests/action.rs runs it
# with a simulated environment). Every input arrives through the environment and is only ever
# quoted, or split on white space and globbed: nothing is evaluated as shell code.
#
#   PGLINT_PATHS          white-space separated files, directories or globs (default: sqlmigrate)
#   PGLINT_CONTEXT        white-space separated files, directories or globs replayed as context
#   PGLINT_CONFIG         --config FILE
#   PGLINT_FAIL_ON        --fail-on LEVEL (default: warning)
#   PGLINT_PG_VERSION     --pg-version N
#   PGLINT_CHANGED_SINCE  --changed-since REF; empty: PGLINT_BASE_SHA; "none": lint every file
#   PGLINT_BASE_SHA       the pull request's base commit (set by action.yml)
#   PGLINT_SARIF_FILE     also write SARIF here
#   PGLINT_BIN            the pglint binary (default: pglint on PATH)
#
# Writes annotations (--format github) to stdout, the markdown report to $GITHUB_STEP_SUMMARY,
# `exit-code` (and `sarif-file`) to $GITHUB_OUTPUT, and exits with pglint's exit code.
set -uo pipefail

bin=${PGLINT_BIN:-pglint}
cd "${GITHUB_WORKSPACE:-.}" || exit 2

opts=()
if [ -n "${PGLINT_CONFIG:-}" ]; then opts+=(--config "$PGLINT_CONFIG"); fi
if [ -n "${PGLINT_PG_VERSION:-}" ]; then opts+=(--pg-version "$PGLINT_PG_VERSION"); fi
changed=${PGLINT_CHANGED_SINCE:-}
if [ -z "$changed" ]; then changed=${PGLINT_BASE_SHA:-}; fi
if [ -n "$changed" ] && [ "$changed" != "none" ]; then opts+=(--changed-since "$changed"); fi

# Split on white space, then expand each word as a glob (never as code); a word that matches
# nothing is passed as it is, so pglint reports it as missing.
shopt -s nullglob globstar
read -r -d '' -a words <<<"${PGLINT_PATHS:-sqlmigrate}" || true
paths=()
for word in "${words[@]}"; do
  # shellcheck disable=SC2206 # globbing is the point; the word was split above
  matches=($word)
  if [ ${#matches[@]} -eq 0 ]; then matches=("$word"); fi
  paths+=("${matches[@]}")
done
read -r -d '' -a words <<<"${PGLINT_CONTEXT:-}" || true
for word in "${words[@]}"; do
  # shellcheck disable=SC2206 # globbing is the point; the word was split above
  matches=($word)
  if [ ${#matches[@]} -eq 0 ]; then matches=("$word"); fi
  for m in "${matches[@]}"; do opts+=(--context "$m"); done
done
if [ ${#paths[@]} -eq 0 ]; then
  echo "pglint: the paths input is empty" >&2
  exit 2
fi

"$bin" check --format github --fail-on "${PGLINT_FAIL_ON:-warning}" "${opts[@]}" -- "${paths[@]}"
code=$?

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  "$bin" check --format markdown --fail-on never "${opts[@]}" -- "${paths[@]}" >>"$GITHUB_STEP_SUMMARY" 2>/dev/null
fi
if [ -n "${PGLINT_SARIF_FILE:-}" ]; then
  mkdir -p -- "$(dirname -- "$PGLINT_SARIF_FILE")"
  "$bin" check --format sarif --fail-on never "${opts[@]}" -- "${paths[@]}" >"$PGLINT_SARIF_FILE" 2>/dev/null
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    if [ -n "${PGLINT_SARIF_FILE:-}" ]; then
      # A value with a line break would start another output; file names rarely have one.
      printf 'sarif-file=%s\n' "${PGLINT_SARIF_FILE//$'\n'/ }"
    fi
  } >>"$GITHUB_OUTPUT"
fi
exit "$code"
