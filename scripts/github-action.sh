#!/usr/bin/env bash
# The GitHub Action's run step (action.yml calls exactly this script; tests/action.rs runs it
# with a simulated environment, and tests/readme_django.rs runs the README's workflow through
# it). Every input arrives through the environment and is only ever quoted, or split on white
# space and globbed: nothing is evaluated as shell code.
#
#   PGLINT_DJANGO         "true": lint Django migration files with `pglint django` (Django
#                         mode); "false" or empty: lint .sql files with `pglint check`
#   PGLINT_PATHS          SQL mode: white-space separated files, directories or globs
#                         (default: sqlmigrate)
#   PGLINT_CONTEXT        SQL mode: white-space separated files, directories or globs replayed
#                         as context
#   PGLINT_MANAGE_PY      Django mode: --manage-py PATH
#   PGLINT_PYTHON         Django mode: --python PATH
#   PGLINT_SETTINGS       Django mode: --settings MODULE
#   PGLINT_DATABASE       Django mode: --database ALIAS
#   PGLINT_CONFIG         --config FILE
#   PGLINT_FAIL_ON        --fail-on LEVEL (default: warning)
#   PGLINT_PG_VERSION     --pg-version N
#   PGLINT_CHANGED_SINCE  --changed-since REF; empty: PGLINT_BASE_SHA; "none": every file (in
#                         Django mode, every migration of the project's own apps)
#   PGLINT_BASE_SHA       the pull request's base commit (set by action.yml)
#   PGLINT_SARIF_FILE     also write SARIF here
#   PGLINT_BIN            the pglint binary (default: pglint on PATH)
#
# Writes annotations (--format github) to stdout, the markdown report to $GITHUB_STEP_SUMMARY,
# `exit-code` (and `sarif-file`) to $GITHUB_OUTPUT, and exits with pglint's exit code.
set -uo pipefail

bin=${PGLINT_BIN:-pglint}
cd "${GITHUB_WORKSPACE:-.}" || exit 2

sarif_written=
# Sets the outputs (`sarif-file` only once it is written) and exits with `code`.
finish() {
  local code=$1
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
      echo "exit-code=$code"
      if [ -n "$sarif_written" ]; then
        # A value with a line break would start another output; file names rarely have one.
        printf 'sarif-file=%s\n' "${PGLINT_SARIF_FILE//$'\n'/ }"
      fi
    } >>"$GITHUB_OUTPUT"
  fi
  exit "$code"
}

usage_error() {
  echo "pglint: $1" >&2
  finish 2
}

opts=()
if [ -n "${PGLINT_CONFIG:-}" ]; then opts+=(--config "$PGLINT_CONFIG"); fi
if [ -n "${PGLINT_PG_VERSION:-}" ]; then opts+=(--pg-version "$PGLINT_PG_VERSION"); fi
changed=${PGLINT_CHANGED_SINCE:-}
if [ -z "$changed" ]; then changed=${PGLINT_BASE_SHA:-}; fi
if [ -n "$changed" ] && [ "$changed" != "none" ]; then opts+=(--changed-since "$changed"); fi

case "${PGLINT_DJANGO:-false}" in
  true) django=1 ;;
  false | "") django= ;;
  *) usage_error "the django input must be true or false" ;;
esac

paths=()
if [ -n "$django" ]; then
  # pglint django finds the migration files (changed since the base, or the project's own),
  # renders their SQL in the project, and reports them under their .py paths.
  if [ -n "${PGLINT_PATHS:-}${PGLINT_CONTEXT:-}" ]; then
    usage_error "the paths and context inputs are for .sql files; with django: true, pglint django finds the migration files"
  fi
  if [ -n "${PGLINT_MANAGE_PY:-}" ]; then opts+=(--manage-py "$PGLINT_MANAGE_PY"); fi
  if [ -n "${PGLINT_PYTHON:-}" ]; then opts+=(--python "$PGLINT_PYTHON"); fi
  if [ -n "${PGLINT_SETTINGS:-}" ]; then opts+=(--settings "$PGLINT_SETTINGS"); fi
  if [ -n "${PGLINT_DATABASE:-}" ]; then opts+=(--database "$PGLINT_DATABASE"); fi
  command=(django)
else
  for input in MANAGE_PY PYTHON SETTINGS DATABASE; do
    name=PGLINT_$input
    if [ -n "${!name:-}" ]; then
      input=${input,,}
      usage_error "the ${input//_/-} input needs django: true"
    fi
  done
  # Split on white space, then expand each word as a glob (never as code); a word that
  # matches nothing is passed as it is, so pglint reports it as missing.
  shopt -s nullglob globstar
  read -r -d '' -a words <<<"${PGLINT_PATHS:-sqlmigrate}" || true
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
  if [ ${#paths[@]} -eq 0 ]; then usage_error "the paths input is empty"; fi
  command=(check)
fi

# Each report is one run (in Django mode, one Python process each); only the first one's
# messages reach the log, the others would repeat them.
"$bin" "${command[@]}" --format github --fail-on "${PGLINT_FAIL_ON:-warning}" "${opts[@]}" -- "${paths[@]}"
code=$?

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  "$bin" "${command[@]}" --format markdown --fail-on never "${opts[@]}" -- "${paths[@]}" >>"$GITHUB_STEP_SUMMARY" 2>/dev/null
fi
if [ -n "${PGLINT_SARIF_FILE:-}" ]; then
  mkdir -p -- "$(dirname -- "$PGLINT_SARIF_FILE")"
  "$bin" "${command[@]}" --format sarif --fail-on never "${opts[@]}" -- "${paths[@]}" >"$PGLINT_SARIF_FILE" 2>/dev/null
  sarif_written=1
fi
finish "$code"
