#!/bin/sh
# fti-violations.sh [--policy-file] REPORT_JSON
#
# Lists every failing check of an fti gate report (report.json, schema
# fti.report/v1, docs/REPORT.md) as one tab-separated line:
#
#   KIND  SUBJECT  RULE  LINE  CHECK  MEASURED  BOUND  MESSAGE
#
#   KIND      "tensor" or "budget"
#   SUBJECT   the tensor's (or budget's) name
#   RULE      the rule that matched the tensor ("default" when none did; the
#             budget's name for a budget)
#   LINE      the rule's (budget's) line in the policy file; empty when none
#   CHECK     frozen, frobenius.relative, rank.residual.relative, structure, ...
#   MEASURED  the measured figure, BOUND the policy's bound (integers as they
#             are, other numbers with 4 significant digits, "inf"/"nan" kept)
#   MESSAGE   fti's one-line explanation
#
# With --policy-file it prints only the policy file the report names.
#
# Tensors first (in the report's order), then budgets. Nothing is printed for
# a compliant report. Exit status: 0, or 3 when the file cannot be read or is
# not a gate report.
#
# Needs only a POSIX shell and awk (mawk, gawk or busybox awk): no jq, no
# python. The JSON is parsed token by token, so the layout of the file
# (indentation, key order, one line or many) does not matter. Strings keep
# their JSON escapes except \" \\ \/, so every output line stays one line
# without tabs.
set -eu

mode=violations
if [ "$#" -eq 2 ] && [ "$1" = --policy-file ]; then
  mode=policy-file
  shift
fi
if [ "$#" -ne 1 ]; then
  echo "usage: fti-violations.sh [--policy-file] REPORT_JSON" >&2
  exit 2
fi
report=$1
if [ ! -r "$report" ]; then
  echo "fti-violations.sh: cannot read $report" >&2
  exit 3
fi

awk -v mode="$mode" '
function unesc(x,   out, i, c) {
  out = ""
  while ((i = index(x, "\\")) > 0) {
    out = out substr(x, 1, i - 1)
    c = substr(x, i + 1, 1)
    if (c == "\"" || c == "\\" || c == "/") out = out c
    else out = out "\\" c
    x = substr(x, i + 2)
  }
  return out x
}
function path(   p, d) {
  p = ""
  for (d = 1; d <= depth; d++) p = p (d > 1 ? "/" : "") (kind[d] == "a" ? idx[d] : key[d])
  return p
}
function value(v, t) {
  if (depth == 0) { bad = 1; return }
  val[path()] = v
  typ[path()] = t
}
function open_container(k) {
  # the container itself is a value of its parent: mark it present
  if (depth > 0) { val[path()] = ""; typ[path()] = k }
  depth++
  kind[depth] = k
  idx[depth] = 0
  key[depth] = ""
  want_key = (k == "o")
}
{
  s = $0
  while (1) {
    sub(/^[ \t\r]+/, "", s)
    if (s == "") break
    c = substr(s, 1, 1)
    if (c == "{" || c == "[") { open_container(c == "{" ? "o" : "a"); s = substr(s, 2); continue }
    if (c == "}" || c == "]") { depth--; want_key = 0; s = substr(s, 2); continue }
    if (c == ",") {
      if (depth > 0 && kind[depth] == "a") idx[depth]++
      else want_key = 1
      s = substr(s, 2)
      continue
    }
    if (c == ":") { want_key = 0; s = substr(s, 2); continue }
    if (c == "\"") {
      if (!match(s, /^"([^"\\]|\\.)*"/)) { bad = 1; s = ""; break }
      tok = unesc(substr(s, 2, RLENGTH - 2))
      s = substr(s, RLENGTH + 1)
      if (want_key) key[depth] = tok
      else value(tok, "s")
      continue
    }
    if (match(s, /^-?[0-9][-+0-9.eE]*/) || match(s, /^(true|false|null)/)) {
      tok = substr(s, 1, RLENGTH)
      s = substr(s, RLENGTH + 1)
      value(tok, tok == "null" ? "z" : (tok == "true" || tok == "false") ? "b" : "n")
      continue
    }
    bad = 1
    s = ""
  }
}
function fig(p,   v) {
  v = val[p]
  if (!(p in val) || typ[p] == "z") return "?"
  if (typ[p] == "s") return v
  if (v ~ /^-?[0-9]+(\.0*)?$/ && length(v) < 16) { sub(/\.0*$/, "", v); return v }
  return sprintf("%.4g", v + 0)
}
function field(p) { return (p in val) && typ[p] != "z" ? val[p] : "" }
function checks(kind_, subject, rule, line, base,   j, c) {
  for (j = 0; (base "/checks/" j) in val; j++) {
    c = base "/checks/" j
    if (field(c "/pass") != "false") continue
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", kind_, subject, rule, line, field(c "/check"),
           fig(c "/measured"), fig(c "/bound"), field(c "/message")
  }
}
END {
  if (bad || field("schema") != "fti.report/v1" || field("kind") != "gate") {
    print "fti-violations.sh: not an fti gate report (schema fti.report/v1, kind gate)" > "/dev/stderr"
    exit 3
  }
  if (mode == "policy-file") { print field("policy/file"); exit 0 }
  for (i = 0; ("tensors/" i) in val; i++) {
    t = "tensors/" i
    if (field(t "/verdict") != "violation") continue
    rule = field(t "/rule/name")
    checks("tensor", field(t "/name"), rule == "" ? "default" : rule, field(t "/rule/line"), t)
  }
  for (i = 0; ("budgets/" i) in val; i++) {
    b = "budgets/" i
    if (field(b "/verdict") != "violation") continue
    checks("budget", field(b "/name"), field(b "/name"), field(b "/line"), b)
  }
}
' "$report"
