#!/bin/sh
# pre-publish.sh CANDIDATE REGISTRY_DIR
#
# A model registry's pre-publish hook: the registry (or its webhook receiver)
# calls it before it publishes a fine-tuned checkpoint.
#
#   CANDIDATE     where the candidate is: a path, an archive, an https:// URL
#                 (a file or a model.safetensors.index.json) or hf://
#   REGISTRY_DIR  the artifact's directory in the registry: the reports (and
#                 later the certificate) are stored there, next to it
#
# Configuration: base.env next to this script, or the file $FTI_HOOK_CONFIG
# (KEY=VALUE lines): FTI_BASE, the registered base's location, and FTI_POLICY,
# the drift policy (relative: to the config file's directory). Variables
# already in the environment win over the file. Also: FTI_BIN (default: fti on
# PATH), FTI_GATE_ARGS, FTI_PROVE_ARGS, FTI_REQUIRE_CERTIFICATE (true: no
# certificate, no publish), FTI_CACHE_DIR and fti's FTI_HTTP_* settings.
#
# What it does: fetches the registered base (fti inspect: checks it can be
# read and fills fti's cache), runs `fti gate` with the reports written to
# REGISTRY_DIR/fti-report/, and, for a compliant candidate, makes a
# certificate REGISTRY_DIR/fti-certificate.fticert when this fti has
# `fti prove` (the hook point fti_make_certificate in scripts/fti-lib.sh;
# skipped otherwise; a failed prove is a warning unless
# FTI_REQUIRE_CERTIFICATE=true).
#
# Exit status (stderr says which):
#   0  publish: the candidate complies
#   1  REFUSED: the candidate violates the policy (the reports say where)
#   2  REFUSED, ERROR: the hook is misconfigured or the policy is invalid
#   3  REFUSED, ERROR: the base or the candidate could not be fetched or read
# Errors are never reported as violations, and never let a candidate through.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lib="$here/../scripts/fti-lib.sh"
[ -f "$lib" ] || lib="$here/fti-lib.sh"
if [ ! -f "$lib" ]; then
  echo "fti pre-publish: ERROR: fti-lib.sh not found next to this hook or in ../scripts/" >&2
  exit 2
fi
# shellcheck source=../scripts/fti-lib.sh
. "$lib"

error() {  # error STATUS MESSAGE; an error never exits 0 or 1 (those mean publish / violation)
  fti_log "fti pre-publish: REFUSED, ERROR (not a policy violation): $2"
  case $1 in
    2|3) exit "$1" ;;
    *) exit 3 ;;
  esac
}

[ "$#" -eq 2 ] || error 2 "usage: pre-publish.sh CANDIDATE REGISTRY_DIR"
candidate=$1
registry_dir=$2
[ -n "$candidate" ] || error 2 "the candidate's location is empty"
[ -d "$registry_dir" ] || error 2 "registry directory $registry_dir does not exist"

# Configuration: KEY=VALUE lines, read without running them.
config=${FTI_HOOK_CONFIG:-$here/base.env}
config_value() {  # config_value KEY
  [ -f "$config" ] || return 0
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$config" | tail -n 1 |
    sed -e 's/[[:space:]]*$//' -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}
base=${FTI_BASE:-$(config_value FTI_BASE)}
policy=${FTI_POLICY:-$(config_value FTI_POLICY)}
[ -n "$base" ] || error 2 "no registered base: set FTI_BASE in $config or the environment"
[ -n "$policy" ] || error 2 "no policy: set FTI_POLICY in $config or the environment"
case $policy in
  /*) ;;
  *) [ -n "${FTI_POLICY:-}" ] || policy="$(dirname "$config")/$policy" ;;
esac
[ -f "$policy" ] || error 2 "policy $policy not found"
command -v "$FTI_BIN" >/dev/null 2>&1 || error 2 "$FTI_BIN not found (set FTI_BIN or PATH)"

report_dir="$registry_dir/fti-report"
certificate="$registry_dir/fti-certificate.fticert"
# What is stored next to the artifact is this run's outcome, never an older one.
rm -rf "$report_dir"
rm -f "$certificate"

# 1. Fetch the registered base.
rc=0
"$FTI_BIN" --quiet inspect --files "$base" >/dev/null || rc=$?
[ "$rc" -eq 0 ] || error "$rc" "cannot fetch the registered base $base: exit $rc ($(fti_exit_meaning "$rc"))"

# 2. The gate.
rc=0
set -f
# shellcheck disable=SC2086
"$FTI_BIN" gate --policy "$policy" --base "$base" --candidate "$candidate" \
  --report-dir "$report_dir" ${FTI_GATE_ARGS:-} || rc=$?
set +f

case $rc in
  0) ;;
  1)
    fti_log "fti pre-publish: REFUSED: $candidate violates the drift policy $policy"
    if [ -f "$here/../scripts/fti-violations.sh" ]; then
      sh "$here/../scripts/fti-violations.sh" "$report_dir/report.json" | head -n 20 |
        awk -F '\t' '{ printf "  %s (%s, policy line %s): %s\n", $2, $3, ($4 == "" ? "-" : $4), $8 }' >&2 || true
    fi
    fti_log "fti pre-publish: reports in $report_dir/"
    exit 1
    ;;
  *)
    error "$rc" "fti gate could not check $candidate: exit $rc ($(fti_exit_meaning "$rc"))"
    ;;
esac

# 3. HOOK POINT: the certificate, when this fti can make one (fti_make_certificate).
cert_rc=0
fti_certificate_step "$policy" "$base" "$candidate" "$certificate" || cert_rc=$?
[ "$cert_rc" -eq 0 ] || error "$cert_rc" "the candidate complies but no certificate could be made (FTI_REQUIRE_CERTIFICATE=true)"
fti_log "fti pre-publish: OK: $candidate complies with $policy; reports in $report_dir/"
exit 0
