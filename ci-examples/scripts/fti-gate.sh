#!/bin/sh
# fti-gate.sh: the CI step. Runs `fti gate` and hands the outcome to the CI
# system it runs in (GitHub Actions, GitLab CI, or none).
#
# Inputs (environment):
#   FTI_POLICY      the drift policy (YAML), a path in the checkout      (required)
#   FTI_BASE        the trusted base: path, archive, URL or hf://         (required)
#   FTI_CANDIDATE   the fine-tuned candidate, same forms                  (required)
#   FTI_REPORT_DIR  where the reports go (default: reports)
#   FTI_CERTIFICATE where a certificate goes when `fti prove` exists (default: none)
#   FTI_REQUIRE_CERTIFICATE  "true": a failed `fti prove` fails the step (exit 3);
#                   otherwise it is a warning (FTI_PROVE_ARGS: extra prove options)
#   FTI_GATE_ARGS   extra `fti gate` options, split on whitespace (e.g. "--threads 4")
#   FTI_BIN         the fti binary (default: fti on PATH)
#
# Outputs:
#   $FTI_REPORT_DIR/report.{json,txt,md,junit.xml,html} (exit 0 and 1 only; fti
#   writes them all or none). On GitHub Actions ($GITHUB_ACTIONS=true): the
#   Markdown report appended to $GITHUB_STEP_SUMMARY and one
#   `::error file=POLICY,line=N::` annotation per failing check. On GitLab
#   ($GITLAB_CI=true): the log names the report files the job keeps.
#
# Exit status: fti's. 0 compliant (with a certificate when FTI_CERTIFICATE is
# set and this fti has `fti prove`); 1 policy violation (the job fails); 2 usage
# or policy error, 3 input error (the job fails, and the summary and
# annotation say it is an error, not a violation).
set -eu

here=$(dirname "$0")
# shellcheck source=fti-lib.sh
. "$here/fti-lib.sh"

missing=
for v in FTI_POLICY FTI_BASE FTI_CANDIDATE; do
  eval "val=\${$v:-}"
  [ -n "$val" ] || missing="$missing $v"
done
if [ -n "$missing" ]; then
  fti_log "fti-gate.sh: set$missing (see ci-examples/README.md)"
  [ "${GITHUB_ACTIONS:-}" = true ] && echo "::error title=fti gate::fti-gate.sh: set$missing"
  exit 2
fi
report_dir=${FTI_REPORT_DIR:-reports}
certificate=${FTI_CERTIFICATE:-}
on_github=false
[ "${GITHUB_ACTIONS:-}" = true ] && on_github=true
on_gitlab=false
[ "${GITLAB_CI:-}" = true ] && on_gitlab=true

# Reports from an earlier run in the same directory must not pass for this one's.
mkdir -p "$report_dir"
for f in report.json report.txt report.md report.junit.xml report.html; do
  rm -f "$report_dir/$f"
done
[ -z "$certificate" ] || rm -f "$certificate"

rc=0
set -f
# shellcheck disable=SC2086
"$FTI_BIN" gate --policy "$FTI_POLICY" --base "$FTI_BASE" --candidate "$FTI_CANDIDATE" \
  --report-dir "$report_dir" ${FTI_GATE_ARGS:-} || rc=$?
set +f

# A certificate for a compliant candidate, when asked for and this fti can.
cert_rc=0
if [ "$rc" -eq 0 ] && [ -n "$certificate" ]; then
  fti_certificate_step "$FTI_POLICY" "$FTI_BASE" "$FTI_CANDIDATE" "$certificate" || cert_rc=$?
fi

case $rc in
  0|1)
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$report_dir/report.md" ]; then
      cat "$report_dir/report.md" >>"$GITHUB_STEP_SUMMARY"
    fi
    if $on_github && [ -f "$report_dir/report.json" ]; then
      sh "$here/github-annotations.sh" "$report_dir/report.json" "$FTI_POLICY"
    fi
    if $on_gitlab; then
      echo "fti gate: reports in $report_dir/ (report.md: the Markdown summary, report.junit.xml: the JUnit report, report.html: the heatmap)"
    fi
    [ "$rc" -eq 0 ] || fti_log "fti gate: the candidate violates the drift policy $FTI_POLICY (exit 1)"
    ;;
  *)
    what=$(fti_exit_meaning "$rc")
    fti_log "fti gate: ERROR, not a policy violation: exit $rc ($what); the candidate was not checked"
    if $on_github; then
      echo "::error title=fti gate error::fti gate could not check the candidate: exit $rc ($what). This is an error, not a policy violation; see the log."
    fi
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      printf '## ⚠️ fti gate: error (exit %s)\n\n%s. This is an error, not a policy violation: the candidate was not checked. See the job log.\n' \
        "$rc" "$what" >>"$GITHUB_STEP_SUMMARY"
    fi
    ;;
esac
[ "$cert_rc" -eq 0 ] || exit "$cert_rc"
exit "$rc"
