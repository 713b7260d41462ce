#!/usr/bin/env bash
# Builds oneTBB from Debian's own source package with ThreadSanitizer into
# DIR (default build-tsan/tbb) and prints the directory holding libtbb.so.12.
#
# Why: Debian's libtbb12 is not instrumented, so TSan cannot see the
# synchronization inside it (task stealing, the small-object pool, the join
# of parallel_for) and reports every parallel_for as a data race. With the
# same version built with -fsanitize=thread (same headers, same ABI) loaded
# through LD_LIBRARY_PATH, TSan sees every edge and only real races remain.
# Needs a deb-src entry for bookworm (added here when missing) and network
# access to Debian's mirror; idempotent (an existing build is reused).
set -euo pipefail
dir="$(realpath -m "${1:-build-tsan/tbb}")"
version="$(dpkg-query -W -f='${Version}' libtbb-dev)"
upstream="${version%%-*}"
lib="$(find "$dir/build" -name libtbb.so.12 -print -quit 2>/dev/null || true)"
if [ -n "$lib" ] && [ -f "$dir/version" ] && [ "$(cat "$dir/version")" = "$version" ]; then
  dirname "$lib"
  exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  echo "tsan-tbb: adding a deb-src entry for bookworm" >&2
  $sudo tee /etc/apt/sources.list.d/fti-deb-src.sources > /dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  $sudo apt-get update -qq >&2
fi
rm -rf "$dir"
mkdir -p "$dir/src"
(cd "$dir/src" && apt-get source -qq "onetbb=$version" >&2)
cmake -S "$dir/src/onetbb-$upstream" -B "$dir/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_SANITIZE=thread \
  -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBB_STRICT=OFF -DTBBMALLOC_BUILD=OFF >&2
cmake --build "$dir/build" -j "$(nproc)" --target tbb >&2
echo "$version" > "$dir/version"
dirname "$(find "$dir/build" -name libtbb.so.12 -print -quit)"
