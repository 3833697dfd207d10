#!/usr/bin/env bash
# Every benchmark, one after another, on this machine: prints each figure with its reference.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB, $(uname -m), $(date -u +%Y-%m-%d)"
bash bench/import-export.sh
bash bench/web.sh
bash bench/report.sh
