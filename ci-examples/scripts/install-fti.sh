#!/bin/sh
# install-fti.sh: makes sure `fti` can be run, for a CI job.
#
# * fti already on PATH (a runner image with fti, a self-hosted runner): print
#   its version and stop.
# * otherwise, with $FTI_DEB_URL set: download that Debian package (curl),
#   check it against $FTI_DEB_SHA256 when given, and install it with apt-get
#   (through sudo when not root). `make package` builds that package
#   (fti_<version>_amd64.deb: /usr/bin/fti, Depends on the runtime libraries).
# * otherwise: exit 2 saying what is missing.
set -eu

FTI_BIN=${FTI_BIN:-fti}
if command -v "$FTI_BIN" >/dev/null 2>&1; then
  "$FTI_BIN" --version
  exit 0
fi
if [ -z "${FTI_DEB_URL:-}" ]; then
  echo "install-fti.sh: $FTI_BIN is not on PATH and FTI_DEB_URL (a .deb of fti to install) is not set" >&2
  exit 2
fi
command -v curl >/dev/null 2>&1 || { echo "install-fti.sh: curl is needed to download $FTI_DEB_URL" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 3 -o "$tmp/fti.deb" "$FTI_DEB_URL"
if [ -n "${FTI_DEB_SHA256:-}" ]; then
  echo "$FTI_DEB_SHA256  $tmp/fti.deb" | sha256sum -c -
fi
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get install -y "$tmp/fti.deb"
"$FTI_BIN" --version
