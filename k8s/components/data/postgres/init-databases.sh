#!/bin/sh
# One database and one role per service, each role owning its database and nothing else: no service runs as the
# superuser, and none can connect to another's database. feed-service has none: it only calls the others.
# Run once, when the data directory is first created (docker-entrypoint-initdb.d), as POSTGRES_USER; compose mounts
# this file, Kubernetes ships it in the postgres-init ConfigMap. The passwords come from the environment:
# CATALOG_DB_PASSWORD, PROFILE_DB_PASSWORD, METRICS_DB_PASSWORD (bin/make-secrets makes them up).
set -eu
for service in catalog profile metrics; do
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable" || true)"
  if [ -z "$password" ]; then
    echo "init-databases: $variable is not set" >&2
    exit 1
  fi
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
       -v service="$service" -v password="$password" <<'SQL'
CREATE ROLE :"service" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE :"service" OWNER :"service";
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
SQL
done
