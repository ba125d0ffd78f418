#!/usr/bin/env bash
# Throwaway PostgreSQL clusters from the system's binaries (Debian's postgresql package), for tests.
#   pg.sh ensure                 install postgresql with apt-get when missing (as root), or say what to install
#   pg.sh start <dir> <port>     initdb (trust auth, 127.0.0.1 only) if new, then start and wait
#   pg.sh stop <dir>             fast shutdown
# DATABASE_URL set means: use that server; start and stop nothing. PG_MAX_CONNECTIONS: max_connections (200).
set -euo pipefail

say() { echo "postgres: $*" >&2; }

bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

ensure() {
  if bindir >/dev/null; then return 0; fi
  if [ "$(id -u)" = 0 ]; then
    say "installing PostgreSQL with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir >/dev/null || { say "postgresql installed but initdb not found"; exit 1; }
  else
    say "PostgreSQL server binaries are missing, install them with:"
    echo "sudo apt-get install postgresql"; exit 1
  fi
}

# initdb and postgres refuse to run as root: run them as the postgres system user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir="$1" port="$2" bin
  [ -n "${DATABASE_URL:-}" ] && { say "using DATABASE_URL, starting nothing"; return 0; }
  ensure; bin="$(bindir)"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; chmod 700 "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then say "already running (data $dir/data)"; return 0; fi
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=${PG_MAX_CONNECTIONS:-200} -c shared_buffers=128MB" start >/dev/null
  say "running on 127.0.0.1:$port (data $dir/data)"
}

stop() {
  local dir="$1" bin
  [ -n "${DATABASE_URL:-}" ] && return 0
  bin="$(bindir)"
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; fi
}

main() {
  case "${1:-}" in
    ensure) ensure ;;
    start) start "${2:?dir}" "${3:?port}" ;;
    stop) stop "${2:?dir}" ;;
    *) echo "usage: $0 ensure | start <dir> <port> | stop <dir>" >&2; exit 2 ;;
  esac
}

main "$@"; exit $?
