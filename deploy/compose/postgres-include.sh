#!/bin/sh
# Run once by the postgis image when it creates the database (/docker-entrypoint-initdb.d/):
# makes the server read deploy/postgresql/sitmap.conf (mounted at /etc/sitmap/postgresql.conf)
# after its own settings, so the tuning lives in one file for packages and containers alike.
set -eu
echo "include '/etc/sitmap/postgresql.conf'" >> "$PGDATA/postgresql.conf"
