#!/usr/bin/env bash
# A local PostgreSQL for the team deployment's Dagster instance, from Debian's packages.
#
#   deployment/team/postgres.sh start DATA_DIR   create the cluster if DATA_DIR is empty, start it
#   deployment/team/postgres.sh stop DATA_DIR    stop it (fast shutdown)
#
# The server listens on 127.0.0.1:$DAGSTER_PG_PORT only (its Unix socket stays in DATA_DIR).
# Its superuser is $DAGSTER_PG_USERNAME with the password $DAGSTER_PG_PASSWORD, and the
# database $DAGSTER_PG_DB is created: the variables that deployment/team/dagster.yaml reads.
# PostgreSQL refuses to run as root: as root (CI, this project's machines), the server runs
# as the `postgres` user that Debian's package creates, and DATA_DIR is handed over to it.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DATA_DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
command=$1
data_dir=$(realpath -m "$2")

# Debian installs the server programs outside the PATH, one folder per major version.
bin_dir=""
for candidate in "${PG_BIN_DIR:-}" /usr/lib/postgresql/*/bin; do
  if [ -n "$candidate" ] && [ -x "$candidate/pg_ctl" ]; then
    bin_dir=$candidate
  fi
done
if [ -z "$bin_dir" ]; then
  echo "PostgreSQL's server is not installed: apt-get install postgresql (or set PG_BIN_DIR)" >&2
  exit 1
fi

is_root() {
  [ "$(id -u)" -eq 0 ]
}

as_server_user() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  : "${DAGSTER_PG_USERNAME:?}" "${DAGSTER_PG_PASSWORD:?}" "${DAGSTER_PG_DB:?}"
  : "${DAGSTER_PG_PORT:?}"
  mkdir -p "$data_dir"
  if is_root; then
    chown postgres:postgres "$data_dir"
  fi
  chmod 700 "$data_dir"
  if [ ! -f "$data_dir/PG_VERSION" ]; then
    create_cluster
  fi
  if ! as_server_user "$bin_dir/pg_ctl" status -D "$data_dir" >/dev/null 2>&1; then
    if ! as_server_user "$bin_dir/pg_ctl" start -D "$data_dir" -l "$data_dir/server.log" \
      -w -t 60 -o "-c port=$DAGSTER_PG_PORT" >/dev/null; then
      tail -n 20 "$data_dir/server.log" >&2
      exit 1
    fi
  fi
  create_database
  echo "PostgreSQL ready on 127.0.0.1:$DAGSTER_PG_PORT, database $DAGSTER_PG_DB ($data_dir)"
}

create_cluster() {
  # The password reaches initdb through a file readable by the server user only, never
  # through a command line that `ps` shows.
  local password_file status=0
  password_file=$(mktemp)
  printf '%s\n' "$DAGSTER_PG_PASSWORD" >"$password_file"
  if is_root; then
    chown postgres:postgres "$password_file"
  fi
  as_server_user "$bin_dir/initdb" -D "$data_dir" -U "$DAGSTER_PG_USERNAME" \
    --pwfile="$password_file" --auth-host=scram-sha-256 --auth-local=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null || status=$?
  rm -f "$password_file"
  [ "$status" -eq 0 ] || exit "$status"
  printf "listen_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" "$data_dir" \
    >>"$data_dir/postgresql.conf"
}

create_database() {
  local psql=("$bin_dir/psql" -X -q -h 127.0.0.1 -p "$DAGSTER_PG_PORT" -U "$DAGSTER_PG_USERNAME")
  export PGPASSWORD=$DAGSTER_PG_PASSWORD
  if [ "$("${psql[@]}" -d postgres -tA -v "db=$DAGSTER_PG_DB" \
    <<<"SELECT 1 FROM pg_database WHERE datname = :'db'")" != "1" ]; then
    "${psql[@]}" -d postgres -v "db=$DAGSTER_PG_DB" <<<'CREATE DATABASE :"db"'
  fi
}

stop() {
  if [ -f "$data_dir/postmaster.pid" ]; then
    as_server_user "$bin_dir/pg_ctl" stop -D "$data_dir" -m fast -w -t 60 >/dev/null
  fi
}

case $command in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
