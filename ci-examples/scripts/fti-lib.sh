# fti-lib.sh: helpers shared by fti-gate.sh and registry-hook/pre-publish.sh.
# Sourced (". fti-lib.sh"), not run. POSIX sh.

# The fti binary: $FTI_BIN, or "fti" on PATH.
FTI_BIN=${FTI_BIN:-fti}

fti_log() { printf '%s\n' "$*" >&2; }

# What an fti exit code means (docs/REPORT.md, "Exit codes").
fti_exit_meaning() {
  case $1 in
    0) echo "compliant" ;;
    1) echo "policy violation" ;;
    2) echo "usage or policy error" ;;
    3) echo "input error: a checkpoint could not be fetched or read, a digest did not match, or a limit was hit" ;;
    4) echo "certificate verification failure" ;;
    126|127) echo "fti could not be run ($FTI_BIN: not found or not executable)" ;;
    *) echo "unexpected exit status $1" ;;
  esac
}

# Whether this fti can make certificates. `fti prove --help` alone is not
# enough: an fti without the verb prints the general help and exits 0. So
# the verb must also be listed among the subcommands of `fti --help`.
fti_has_prove() {
  "$FTI_BIN" --help 2>/dev/null | grep -Eq '^[[:space:]]+prove([[:space:]]|$)' || return 1
  "$FTI_BIN" prove --help >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# HOOK POINT: certificate.
# fti_make_certificate POLICY BASE CANDIDATE OUT_FILE
# Runs `fti prove` (docs/ROADMAP.md, issue 5); called by fti_certificate_step
# only when fti_has_prove succeeds, so an fti without the verb skips it.
# $FTI_PROVE_ARGS: extra options, split on whitespace (e.g. --allow-partial).
# ---------------------------------------------------------------------------
fti_make_certificate() {
  set -f
  # shellcheck disable=SC2086
  "$FTI_BIN" prove --policy "$1" --base "$2" --candidate "$3" --out "$4" ${FTI_PROVE_ARGS:-}
  _fti_rc=$?
  set +f
  return $_fti_rc
}

# fti_certificate_step POLICY BASE CANDIDATE OUT_FILE
# For a compliant candidate: makes the certificate when this fti can.
# * no `prove` verb: says so on stderr, returns 0 (no certificate);
# * prove fails: removes OUT_FILE; returns 3 when $FTI_REQUIRE_CERTIFICATE is
#   "true", else warns (a ::warning:: on GitHub Actions) and returns 0: the
#   gate's verdict stands, the certificate is an extra until you require it.
fti_certificate_step() {
  if ! fti_has_prove; then
    fti_log "fti: this fti has no 'prove' verb: no certificate (hook point fti_make_certificate)"
    return 0
  fi
  _fti_rc=0
  fti_make_certificate "$1" "$2" "$3" "$4" || _fti_rc=$?
  if [ "$_fti_rc" -eq 0 ] && [ -f "$4" ]; then
    fti_log "fti: certificate $4"
    return 0
  fi
  rm -f "$4"
  if [ "${FTI_REQUIRE_CERTIFICATE:-false}" = true ]; then
    fti_log "fti: ERROR: fti prove failed (exit $_fti_rc) and FTI_REQUIRE_CERTIFICATE=true: no certificate"
    [ "${GITHUB_ACTIONS:-}" != true ] ||
      echo "::error title=fti prove::fti prove failed (exit $_fti_rc): the candidate complies but no certificate was made"
    return 3
  fi
  fti_log "fti: warning: fti prove failed (exit $_fti_rc): no certificate (set FTI_REQUIRE_CERTIFICATE=true to make this an error)"
  [ "${GITHUB_ACTIONS:-}" != true ] ||
    echo "::warning title=fti prove::fti prove failed (exit $_fti_rc): the candidate complies but no certificate was made"
  return 0
}
