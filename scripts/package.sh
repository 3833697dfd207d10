#!/usr/bin/env bash
# Builds the release tarball an IT office installs without a Swift toolchain:
#   lvze-VERSION-linux-x86_64.tar.gz
#     lvze/bin/lvze                          the binary, Swift runtime and Foundation linked in statically
#     lvze/bin/Lvze_LvzeServer.resources/    views, static files, the catalogue (found beside the binary)
#     lvze/lvze.service, lvze/lvze.env.example, lvze/安装说明.md
# Usage: scripts/package.sh [OUT_DIR]    (default: dist/)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/dist}"
cd "$ROOT"
VERSION="$(git describe --tags --always --dirty 2>/dev/null || date +%Y%m%d)"
ARCH="$(uname -m)"
NAME="lvze-$VERSION-linux-$ARCH"

swift build -c release --product lvze --static-swift-stdlib
BIN="$(swift build -c release --show-bin-path)"

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/lvze/bin"
cp "$BIN/lvze" "$STAGE/lvze/bin/"
strip "$STAGE/lvze/bin/lvze" 2>/dev/null || true
cp -R "$BIN/Lvze_LvzeServer.resources" "$STAGE/lvze/bin/"
cp scripts/package/lvze.service scripts/package/lvze.env.example "scripts/package/安装说明.md" "$STAGE/lvze/"
echo "$VERSION" > "$STAGE/lvze/VERSION"

# Nothing of the toolchain may be needed at run time.
if ldd "$STAGE/lvze/bin/lvze" | grep -E "libswift|libFoundation|/opt/swift|not found"; then
  echo "package.sh: the binary still needs the Swift runtime (above)" >&2
  exit 1
fi

mkdir -p "$OUT"
tar -C "$STAGE" -czf "$OUT/$NAME.tar.gz" lvze
(cd "$OUT" && sha256sum "$NAME.tar.gz" > "$NAME.tar.gz.sha256")
echo "$OUT/$NAME.tar.gz"
