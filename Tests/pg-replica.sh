#!/usr/bin/env bash
# A PostgreSQL streaming replica beside the primary on this machine, for the read-replica tests:
# a Debian cluster "replica" whose data folder is a pg_basebackup -R of the primary. Commits on
# the primary wait until the replica has applied them (synchronous_commit = remote_apply), so a
# test that writes and then reads through the replica sees its write, as a user would after the
# few seconds Lvze keeps their reads on the primary.
# Usage: Tests/pg-replica.sh VERSION PRIMARY_PORT REPLICA_PORT    (as root; prints nothing on success)
set -euo pipefail
version="$1"; primary="$2"; replica="$3"
if pg_lsclusters -h | grep -q "^$version replica "; then
  pg_ctlcluster "$version" replica stop 2>/dev/null || true
  pg_dropcluster "$version" replica
fi
pg_createcluster "$version" replica -p "$replica" >/dev/null
data="/var/lib/postgresql/$version/replica"
rm -rf "$data"
su postgres -c "pg_basebackup -p $primary -D $data -R -X stream --checkpoint=fast" </dev/null >/dev/null
su postgres -c "psql -q -p $primary -c \"ALTER SYSTEM SET synchronous_standby_names = '*'\" -c \"ALTER SYSTEM SET synchronous_commit = 'remote_apply'\" -c 'SELECT pg_reload_conf()'" >/dev/null
pg_ctlcluster "$version" replica start
for _ in $(seq 1 30); do
  [ "$(su postgres -c "psql -p $replica -Atc 'SELECT pg_is_in_recovery()'" 2>/dev/null)" = "t" ] && break
  sleep 1
done
[ "$(su postgres -c "psql -p $replica -Atc 'SELECT pg_is_in_recovery()'")" = "t" ]
# Streaming and synchronous before any test runs.
for _ in $(seq 1 30); do
  [ "$(su postgres -c "psql -p $primary -Atc \"SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'\"")" = "1" ] && exit 0
  sleep 1
done
echo "pg-replica.sh: the replica does not stream synchronously" >&2
exit 1
