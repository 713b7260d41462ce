#!/bin/sh
# github-annotations.sh REPORT_JSON [POLICY_FILE]
#
# Prints one GitHub Actions error annotation per failing check of an fti gate
# report, pointing at the policy line of the rule (or budget) that failed:
#
#   ::error file=policy.yaml,line=13::model.embed_tokens.weight violates frozen: frozen 252894 > 0 (frozen: 252894 of 262144 elements changed)
#   ::error file=policy.yaml,line=17::budget attention-total exceeded: frobenius.relative 0.04 > 0.03 (...)
#
# POLICY_FILE (default: the policy file named in the report) is the path the
# annotations name; a path under $GITHUB_WORKSPACE is made relative to it, as
# GitHub expects. At most $FTI_MAX_ANNOTATIONS (default 50, GitHub shows 50 per
# job) are printed, then one line saying how many more there are. Nothing is
# printed for a compliant report. Values are escaped as workflow commands
# require (%, CR, LF; and ":" "," in properties), so no name from a checkpoint
# can end the command or start another.
set -eu

here=$(dirname "$0")
if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
  echo "usage: github-annotations.sh REPORT_JSON [POLICY_FILE]" >&2
  exit 2
fi
report=$1
policy=${2:-}
if [ -z "$policy" ]; then
  policy=$(sh "$here/fti-violations.sh" --policy-file "$report")
fi
if [ -n "${GITHUB_WORKSPACE:-}" ]; then
  case $policy in
    "$GITHUB_WORKSPACE"/*) policy=${policy#"$GITHUB_WORKSPACE"/} ;;
  esac
fi

violations=$(sh "$here/fti-violations.sh" "$report")
[ -n "$violations" ] || exit 0

printf '%s\n' "$violations" | awk -F '\t' -v policy="$policy" -v max="${FTI_MAX_ANNOTATIONS:-50}" '
function data(s) { gsub(/%/, "%25", s); gsub(/\r/, "%0D", s); gsub(/\n/, "%0A", s); return s }
function prop(s) { s = data(s); gsub(/:/, "%3A", s); gsub(/,/, "%2C", s); return s }
{
  n++
  if (n > max) next
  loc = "file=" prop(policy)
  if ($4 != "") loc = loc ",line=" prop($4)
  if ($1 == "budget") what = "budget " $2 " exceeded"
  else what = $2 " violates " $3
  printf "::error %s::%s\n", loc, data(what ": " $5 " " $6 " > " $7 " (" $8 ")")
}
END {
  if (n > max)
    printf "::error file=%s::%d more failing checks not annotated (every one is in report.json and the step summary)\n", prop(policy), n - max
}'
