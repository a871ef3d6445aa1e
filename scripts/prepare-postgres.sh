# Sourced by scripts/test.sh: a PostgreSQL server on 127.0.0.1 for the storage and cluster tests.
eval "$(bash scripts/postgres.sh start)"
[ -n "${DURABLE_TEST_PG:-}" ]
