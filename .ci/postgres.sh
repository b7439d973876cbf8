#!/usr/bin/env bash
# A local PostgreSQL server for the tests: installs Debian's package when it is missing,
# starts the first cluster, makes a role that may create databases, and prints its URL.
# Runs as root (CI and the project's machines are root); nothing listens beyond 127.0.0.1.
set -euo pipefail

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

cluster=$(pg_lsclusters --no-header | head -1)
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_createcluster "$version" main >&2
  cluster=$(pg_lsclusters --no-header | head -1)
fi
read -r version name port status _ <<<"$cluster"
if [ "$status" != "online" ]; then
  pg_ctlcluster "$version" "$name" start >&2
fi

psql_admin() { su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qtA $*"; }
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname = 'cnsbot_test'\"")" != "1" ]; then
  psql_admin "-c \"CREATE ROLE cnsbot_test LOGIN CREATEDB PASSWORD 'cnsbot_test'\"" >&2
fi
# Test databases are thrown away: commits need not wait for the disk.
psql_admin "-c \"ALTER ROLE cnsbot_test SET synchronous_commit = off\"" >&2
# Tests end the sessions a killed bot left behind (never the server's own processes).
if [ "$(psql_admin "-c \"SELECT pg_has_role('cnsbot_test', 'pg_signal_backend', 'member')\"")" != "t" ]; then
  psql_admin "-c \"GRANT pg_signal_backend TO cnsbot_test\"" >&2
fi

echo "postgresql://cnsbot_test:cnsbot_test@127.0.0.1:$port/postgres"
