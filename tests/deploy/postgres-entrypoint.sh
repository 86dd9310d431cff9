#!/bin/sh
# The offline PostgreSQL image's entrypoint: what the official postgres image does with the
# variables docker-compose.yml passes (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), on Debian's
# postgresql-15. A data folder that holds a cluster already is started as it is. The cluster is UTF8,
# as the official image's: a minimal Debian has no locale, and initdb would make it SQL_ASCII, which
# refuses every non-ASCII JSON value (dbt's events name 部门 and 指标).
set -eu
PGDATA=/var/lib/postgresql/data
BIN=/usr/lib/postgresql/15/bin
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$password_file"
    chown postgres "$password_file"
    su postgres -s /bin/sh -c "$BIN/initdb -D $PGDATA -U $POSTGRES_USER --pwfile=$password_file --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8" >/dev/null
    rm -f "$password_file"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
    database="${POSTGRES_DB:-$POSTGRES_USER}"
    if [ "$database" != "postgres" ]; then
        echo "CREATE DATABASE \"$database\" OWNER \"$POSTGRES_USER\";" \
            | su postgres -s /bin/sh -c "$BIN/postgres --single -D $PGDATA -j postgres" >/dev/null
    fi
fi
exec su postgres -s /bin/sh -c "exec $BIN/postgres -D $PGDATA"
