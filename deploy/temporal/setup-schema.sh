#!/bin/sh
# One-shot job (temporalio/admin-tools): create the Temporal databases on
# PostgreSQL and bring both schemas up to date. Safe to re-run: an existing
# database is left alone and update-schema only applies missing versions.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${POSTGRES_PWD:?POSTGRES_PWD is required}"
DB_PORT="${DB_PORT:-5432}"
DBNAME="${DBNAME:-temporal}"
VISIBILITY_DBNAME="${VISIBILITY_DBNAME:-temporal_visibility}"
SCHEMA_DIR="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
    -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

setup_db() {
  db="$1"
  versioned="$2"
  if out=$(sql --db "$db" create 2>&1); then
    echo "created database $db"
    sql --db "$db" setup-schema -v 0.0
  else
    case "$out" in
      *"already exists"*) echo "database $db already exists" ;;
      *) echo "$out" >&2; exit 1 ;;
    esac
  fi
  sql --db "$db" update-schema -d "$versioned"
}

setup_db "$DBNAME" "$SCHEMA_DIR/temporal/versioned"
setup_db "$VISIBILITY_DBNAME" "$SCHEMA_DIR/visibility/versioned"
echo "temporal schema ready"
