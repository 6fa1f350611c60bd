#!/usr/bin/env bash
# A throwaway PostgreSQL server for the indexer suite (CI and local runs):
#   scripts/ci/postgres.sh start   → prints DATABASE_URL=postgres://… on stdout
#   scripts/ci/postgres.sh stop
# Debian's postgresql package (installed by .ci/run when missing); the cluster lives in
# $PGTEST_DIR (default /tmp/cofund-pgtest), listens on 127.0.0.1:$PGTEST_PORT (default 55432), and
# runs as the `postgres` user (the server refuses root).
set -euo pipefail
DIR="${PGTEST_DIR:-/tmp/cofund-pgtest}"
PORT="${PGTEST_PORT:-55432}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$BIN" ] || { echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
# runuser lives in /usr/sbin, which a non-login PATH may leave out.
RUNUSER="$(command -v runuser || echo /usr/sbin/runuser)"
as_pg() { if [ "$(id -u)" = 0 ]; then "$RUNUSER" -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  start)
    # A cluster left running by an interrupted run is stopped first.
    [ -f "$DIR/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR" && mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust >/dev/null
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
    as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres cofund
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/cofund"
    ;;
  stop)
    [ -d "$DIR/data" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true
    rm -rf "$DIR"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
