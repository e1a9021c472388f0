#!/usr/bin/env bash
# Vigil's PostgreSQL roles for the official postgres image: runs roles.sql (next to this script's mount, see
# VIGIL_ROLES_SQL) as the superuser, then gives each service's role its own password from the container's
# environment. Mounted into /docker-entrypoint-initdb.d/, so it runs once, on an empty data volume; on an existing
# one run it by hand (it is idempotent):
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/init-roles.sh
#
#   variable                      role              required
#   IDENTITY_DATABASE_PASSWORD    vigil_identity    yes (gateway)
#   EVENTS_DATABASE_PASSWORD      vigil_events      yes (event-service)
#   EXPORTS_DATABASE_PASSWORD     vigil_exports     yes (export-service)
#   RETENTION_DATABASE_PASSWORD   vigil_retention   yes (retention-service)
#   AUDITOR_DATABASE_PASSWORD     vigil_auditor     no: unset, the role keeps no password and cannot sign in
#
# Passwords never reach a command line or the output: psql reads each from the environment itself (\getenv).
# The entrypoint sources this file when it is not executable: everything runs in a subshell, so no option or
# variable leaks into it, and a failure stops the initialisation.

vigil_init_roles() (
    set -euo pipefail
    roles_sql="${VIGIL_ROLES_SQL:-/opt/vigil/roles.sql}"
    psql_su=(psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}"
             --dbname "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}")

    missing=()
    for var in IDENTITY_DATABASE_PASSWORD EVENTS_DATABASE_PASSWORD EXPORTS_DATABASE_PASSWORD \
               RETENTION_DATABASE_PASSWORD; do
        [ -n "${!var:-}" ] || missing+=("$var")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "init-roles: set ${missing[*]} in the postgres container's environment" >&2
        return 1
    fi
    if [ ! -r "$roles_sql" ]; then
        echo "init-roles: $roles_sql not found (mount deploy/postgres/roles.sql there, or set VIGIL_ROLES_SQL)" >&2
        return 1
    fi

    echo "init-roles: running $roles_sql"
    "${psql_su[@]}" -f "$roles_sql"

    for pair in vigil_identity=IDENTITY_DATABASE_PASSWORD vigil_events=EVENTS_DATABASE_PASSWORD \
                vigil_exports=EXPORTS_DATABASE_PASSWORD vigil_retention=RETENTION_DATABASE_PASSWORD \
                vigil_auditor=AUDITOR_DATABASE_PASSWORD; do
        role="${pair%%=*}"
        var="${pair#*=}"
        if [ -z "${!var:-}" ]; then
            echo "init-roles: $var is not set: $role keeps no password"
            continue
        fi
        echo "init-roles: setting the password of $role (from $var)"
        # stdin, not -c: psql interpolates :'pw' and :"role" only in what it reads as a script
        "${psql_su[@]}" -v role="$role" -v var="$var" <<'EOSQL'
\getenv pw :var
alter role :"role" password :'pw';
\unset pw
EOSQL
    done
)

vigil_init_roles
