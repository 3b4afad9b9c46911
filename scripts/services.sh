#!/usr/bin/env bash
# Starts the services the tests need when they are not running: PostgreSQL
# (127.0.0.1:5432, user postgres) and NATS with JetStream (127.0.0.1:4222).
# On the project's machines both start at boot; this covers a machine where
# they did not. Tests make their own databases and subject prefixes.
set -uo pipefail

if ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  else
    echo "PostgreSQL is not running and not installed here: the PostgreSQL and cluster tests will fail (apt-get install postgresql)" >&2
  fi
  for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -q 2>/dev/null && break; sleep 0.2; done
fi

# The cluster, region and shard suites run several server nodes at once, each
# with its own pool: Debian's default of 100 connections is too few for them.
conns=$(psql -h 127.0.0.1 -U postgres -tAc 'show max_connections' 2>/dev/null || echo 0)
if [ "${conns:-0}" -gt 0 ] && [ "$conns" -lt 300 ] && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "PostgreSQL allows $conns connections; raising it to 300 and restarting it" >&2
  psql -h 127.0.0.1 -U postgres -qc 'ALTER SYSTEM SET max_connections = 300'
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main restart
  for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -q 2>/dev/null && break; sleep 0.2; done
fi

if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  if [ -x /usr/sbin/nats-server ]; then
    echo "starting NATS" >&2
    mkdir -p /var/lib/nats-server
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  else
    echo "nats-server is not installed here: the bus and cluster tests will fail (apt-get install nats-server)" >&2
  fi
  for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break; sleep 0.2; done
fi
