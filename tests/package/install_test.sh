#!/bin/sh
# cmake --install into a scratch prefix: the installed fti runs and prints
# its version and protocols; the docs and CI examples are where the README
# says. Usage: install_test.sh BUILD_DIR SCRATCH_DIR (no network).
set -eu
build=$1
scratch=$2
rm -rf "$scratch"
mkdir -p "$scratch"
prefix="$scratch/prefix"
"${CMAKE:-cmake}" --install "$build" --prefix "$prefix" >"$scratch/install.log"

fail() { echo "install_test: $*" >&2; exit 1; }
[ -x "$prefix/bin/fti" ] || fail "no executable bin/fti"
"$prefix/bin/fti" --version >"$scratch/version.txt" || fail "installed fti --version failed"
head -n 1 "$scratch/version.txt" | grep -q '^fti [0-9]' || fail "unexpected version line: $(head -n 1 "$scratch/version.txt")"
grep -q 'fti.certificate/v1' "$scratch/version.txt" || fail "--version does not name the certificate format"
for f in README.md PROTOCOL.md POLICY.md CLI.md; do
  [ -f "$prefix/share/doc/fti/$f" ] || fail "missing share/doc/fti/$f"
done
for f in scripts/install-fti.sh scripts/fti-gate.sh scripts/fti-lib.sh registry-hook/pre-publish.sh github-actions/fti-gate.yml; do
  [ -f "$prefix/share/fti/ci-examples/$f" ] || fail "missing share/fti/ci-examples/$f"
done
rm -rf "$scratch"
echo "install_test: ok"
