#!/bin/bash
# PostgreSQL's first start (docker-entrypoint-initdb.d): one role and one database per service, each
# with its own password (<SERVICE>_DB_PASSWORD), so that no service can read another's tables.
set -euo pipefail
for service in gateway proposals challenges panels notifications; do
  password_var="${service^^}_DB_PASSWORD"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v name="$service" -v password="${!password_var:?$password_var is not set}" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
