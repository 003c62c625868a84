#!/usr/bin/env bash
# GitHub Action step 1: put orgtrail on the PATH of the next steps (GITHUB_PATH).
#   INPUT_VERSION=source  cargo install --locked --path <this action's checkout>/crates/orgtrail
#   INPUT_VERSION=X.Y.Z   the release binary orgtrail-X.Y.Z-<target> and its .sha256 (written by
#                         scripts/release), from ORGTRAIL_RELEASE_URL/vX.Y.Z/; refused unless the
#                         SHA-256 matches
# ORGTRAIL_INSTALL_ROOT (default $RUNNER_TEMP/orgtrail) gets bin/orgtrail; ORGTRAIL_CARGO_INSTALL_FLAGS
# adds cargo flags (the test suite passes --debug --offline).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
version=${INPUT_VERSION:-source}
root=${ORGTRAIL_INSTALL_ROOT:-${RUNNER_TEMP:-/tmp}/orgtrail}
mkdir -p "$root/bin"

target() {
  local arch os
  case "$(uname -m)" in x86_64 | amd64) arch=x86_64 ;; aarch64 | arm64) arch=aarch64 ;; *) arch=$(uname -m) ;; esac
  case "$(uname -s)" in Linux) os=unknown-linux-gnu ;; Darwin) os=apple-darwin ;; *) os=$(uname -s) ;; esac
  echo "$arch-$os"
}

if [ "$version" = source ]; then
  echo "orgtrail: cargo install --locked --path $here/crates/orgtrail (compiles; cargo shows its progress)"
  # shellcheck disable=SC2086 # the extra flags are words
  cargo install --locked --path "$here/crates/orgtrail" --root "$root" ${ORGTRAIL_CARGO_INSTALL_FLAGS:-}
else
  base=${ORGTRAIL_RELEASE_URL:-https://github.com/orgtrail/orgtrail/releases/download}
  asset="orgtrail-$version-$(target)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "orgtrail: downloading $base/v$version/$asset"
  curl -fsSL --retry 3 -o "$tmp/$asset" "$base/v$version/$asset"
  curl -fsSL --retry 3 -o "$tmp/$asset.sha256" "$base/v$version/$asset.sha256"
  (cd "$tmp" && sha256sum --check --strict "$asset.sha256") || {
    echo "orgtrail: the SHA-256 of $asset does not match $asset.sha256; not installed" >&2
    exit 1
  }
  install -m 0755 "$tmp/$asset" "$root/bin/orgtrail"
fi
"$root/bin/orgtrail" --version
if [ -n "${GITHUB_PATH:-}" ]; then echo "$root/bin" >> "$GITHUB_PATH"; fi
