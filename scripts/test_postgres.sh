#!/usr/bin/env bash
# `make test-postgres`: the dbt project built on PostgreSQL, marts and tests included.
# PostgreSQL comes from the OS packages (installed when missing), runs as a throwaway cluster in a temporary
# folder on a free local port, and is stopped and removed on exit, whatever happens. The tests are the
# integration tests of tests/ops (markers `postgres` and `pipeline`): one pipeline run on a generated sample,
# then `dbt build --target postgres` compared with DuckDB (test_postgres.py), a backfill and a forget on the
# same run (test_forget_pipeline.py). `make test` skips them: they take minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PGBIN=$(pg_bin)
if [ -z "$PGBIN" ]; then
  echo "PostgreSQL is not installed: installing the Debian package 'postgresql'" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(pg_bin)
fi

PORT=${CFM_PG_PORT:-$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
WORK=$(mktemp -d /tmp/cfm-postgres.XXXXXX)
# initdb refuses to run as root: as root, the cluster belongs to the `postgres` user the package creates.
AS=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres "$WORK"
  AS=(runuser -u postgres --)
fi
cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${AS[@]}" "$PGBIN/initdb" -D "$WORK/data" -A trust -U postgres --no-sync -E UTF8 >/dev/null
# fsync off: a throwaway test cluster need not survive a power cut.
"${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -w -t 60 -l "$WORK/server.log" \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
"${AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres cfm
# Timestamps without an offset are UTC, as the DuckDB profile's TimeZone setting makes them there.
"${AS[@]}" "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d cfm -qc "alter database cfm set timezone to 'UTC'"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (cluster in $WORK)"

export CFM_PG_HOST=127.0.0.1 CFM_PG_PORT="$PORT" CFM_PG_USER=postgres CFM_PG_PASSWORD="" CFM_PG_DATABASE=cfm
export CFM_INTEGRATION=1
set +e
"$BIN/pytest" -q -m "postgres or pipeline" -p no:cacheprovider tests/ops "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "no PostgreSQL test ran" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "--- last lines of the PostgreSQL server log ---" >&2
  tail -n 20 "$WORK/server.log" >&2 || true
fi
exit "$status"
