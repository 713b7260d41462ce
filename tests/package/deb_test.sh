#!/bin/sh
# cpack -G DEB into a scratch directory: one fti_<version>_<arch>.deb whose
# control names the package and its runtime dependencies and whose payload
# holds usr/bin/fti (what ci-examples/scripts/install-fti.sh installs), the
# docs and the CI examples. Usage: deb_test.sh BUILD_DIR SCRATCH_DIR (no network).
set -eu
build=$1
scratch=$2
rm -rf "$scratch"
mkdir -p "$scratch"
(cd "$scratch" && "${CPACK:-cpack}" -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log" 2>&1) ||
  { cat "$scratch/cpack.log" >&2; exit 1; }

fail() { echo "deb_test: $*" >&2; exit 1; }
set -- "$scratch"/out/fti_*.deb
[ "$#" -eq 1 ] && [ -f "$1" ] || fail "expected one fti_*.deb in $scratch/out: $(ls "$scratch/out")"
deb=$1
dpkg-deb -I "$deb" >"$scratch/info.txt"
grep -q '^ Package: fti$' "$scratch/info.txt" || fail "control has no 'Package: fti'"
grep -q '^ Maintainer: ' "$scratch/info.txt" || fail "control has no Maintainer"
for lib in libc6 libcurl4 libssl3 libyaml-cpp0.7 libarchive13 libtbb12; do
  grep '^ Depends: ' "$scratch/info.txt" | grep -q "$lib" || fail "Depends lacks $lib: $(grep '^ Depends: ' "$scratch/info.txt")"
done
dpkg-deb -c "$deb" >"$scratch/contents.txt"
for path in ./usr/bin/fti ./usr/share/doc/fti/README.md ./usr/share/fti/ci-examples/scripts/install-fti.sh; do
  grep -q " $path\$" "$scratch/contents.txt" || fail "the package has no $path"
done
grep ' ./usr/bin/fti$' "$scratch/contents.txt" | grep -q '^-rwxr-xr-x' || fail "usr/bin/fti is not executable"
# The packaged binary runs (unpacked, not installed: the test needs no root).
dpkg-deb -x "$deb" "$scratch/root"
"$scratch/root/usr/bin/fti" --version | head -n 1 | grep -q '^fti [0-9]' || fail "the packaged fti does not run"
echo "deb_test: ok ($(wc -c <"$deb") bytes: $(basename "$deb"))"
rm -rf "$scratch"
