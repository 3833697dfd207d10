#!/usr/bin/env bash
# The tarball as an IT office meets it: unpacked into a temporary folder and run from another
# working directory with no Swift toolchain on PATH — over HTTPS with a certificate made here,
# backed up while it runs, restored into an empty folder, the audit chain verified there.
# Usage: scripts/package-test.sh dist/lvze-….tar.gz
set -euo pipefail
TARBALL="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
WORK="$(mktemp -d)"
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/opt" "$WORK/elsewhere" "$WORK/tls"
tar -xzf "$TARBALL" -C "$WORK/opt"
LVZE="$WORK/opt/lvze/bin/lvze"
for f in lvze.service lvze.env.example 安装说明.md VERSION; do
  [ -f "$WORK/opt/lvze/$f" ] || { echo "package-test: $f missing from the tarball" >&2; exit 1; }
done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$WORK/tls/lvze.key" -out "$WORK/tls/lvze.crt" 2>/dev/null
chmod 600 "$WORK/tls/lvze.key"

# A clean environment: no Swift on PATH, nothing from the developer's shell.
run() {
  env -i PATH=/usr/bin:/bin HOME="$WORK" LANG=C.UTF-8 LVZE_BCRYPT_COST=4 LVZE_ADMIN_PASSWORD='Package-Test-Passw0rd!' "$@"
}
if run sh -c 'command -v swift' >/dev/null; then echo "package-test: swift is on the clean PATH" >&2; exit 1; fi
ldd "$LVZE" | grep -E "libswift|/opt/swift|not found" && { echo "package-test: the binary needs the toolchain" >&2; exit 1; }

PORT=$(( 20000 + RANDOM % 20000 ))
cd "$WORK/elsewhere"
run LVZE_DATA="$WORK/data" LVZE_TLS_CERT="$WORK/tls/lvze.crt" LVZE_TLS_KEY="$WORK/tls/lvze.key" \
  "$LVZE" serve --hostname 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 60); do
  curl -sf --cacert "$WORK/tls/lvze.crt" "https://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log"; echo "package-test: the server stopped" >&2; exit 1; }
  sleep 1
done
curl -sf --cacert "$WORK/tls/lvze.crt" "https://127.0.0.1:$PORT/login" | grep -q "登录" \
  || { cat "$WORK/server.log"; echo "package-test: no login page over HTTPS" >&2; exit 1; }
curl -sI --cacert "$WORK/tls/lvze.crt" "https://127.0.0.1:$PORT/login" | grep -qi "strict-transport-security" \
  || { echo "package-test: no HSTS header" >&2; exit 1; }
grep -q "https://127.0.0.1:$PORT/" "$WORK/server.log" || { cat "$WORK/server.log"; echo "package-test: the start message does not say https" >&2; exit 1; }

# Backed up while it runs, restored into an empty folder, verified there.
run LVZE_DATA="$WORK/data" "$LVZE" backup --out "$WORK/backup.zip" | tee "$WORK/backup.log"
grep -q "SHA-256: " "$WORK/backup.log"
[ "$(grep -o 'SHA-256: [0-9a-f]*' "$WORK/backup.log" | cut -d' ' -f2)" = "$(sha256sum "$WORK/backup.zip" | cut -d' ' -f1)" ] \
  || { echo "package-test: the printed SHA-256 is not the file's" >&2; exit 1; }
run LVZE_DATA="$WORK/restored" "$LVZE" restore "$WORK/backup.zip"
run LVZE_DATA="$WORK/restored" "$LVZE" audit verify
if run LVZE_DATA="$WORK/data" "$LVZE" restore "$WORK/backup.zip" 2>"$WORK/refused.log"; then
  echo "package-test: restored over a folder in use" >&2; exit 1
fi
grep -q "不是空的" "$WORK/refused.log"

kill -TERM "$SERVER"; wait "$SERVER" || true; SERVER=""
echo "package-test: passed ($(du -h "$TARBALL" | cut -f1) tarball; HTTPS, backup, restore, audit verify without a toolchain)"
