#!/usr/bin/env bash
# Generates the TypeScript code for schema/feed.fbs (the market-data feed).
#   scripts/gen-feed-schema.sh          -> writes src/feed/generated/ (commit the result)
#   scripts/gen-feed-schema.sh OUT_DIR  -> writes OUT_DIR (feed-schema.test.ts compares it with the committed code)
# Same compiler and pin as scripts/gen-schema.sh (Debian's flatc 2.0.8, installed
# with apt-get when missing and root); kept apart so the two schemas evolve and
# regenerate independently.
set -euo pipefail
FLATC_VERSION="2.0.8"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/src/feed/generated}"

flatc_version() { flatc --version 2>/dev/null | awk '{print $3}'; }
if [ "$(flatc_version)" != "$FLATC_VERSION" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q flatbuffers-compiler >&2 || { apt-get update -q >&2 && apt-get install -y -q flatbuffers-compiler >&2; }
fi
if [ "$(flatc_version)" != "$FLATC_VERSION" ]; then
  echo "gen-feed-schema: need flatc $FLATC_VERSION (Debian 12 flatbuffers-compiler), found '$(flatc_version)'" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
flatc --ts -o "$tmp" "$here/schema/feed.fbs"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -R "$tmp" "$out"
chmod -R u+rwX,go+rX "$out"
