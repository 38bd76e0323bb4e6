#!/bin/bash
# Runs once after InfluxDB 2.x setup (docker-entrypoint-initdb.d, as root, with the influx CLI logged in as the
# administrator): one API token per kind of client, each with only the rights it needs on the gridcast bucket,
# each written to its own volume, which only the services using that token mount (they read it with
# INFLUX_TOKEN_FILE; docs/deployment.md):
#   ingest/token      write only   ingester-1, ingester-2
#   forecaster/token  read, write  forecaster (reads telemetry, writes forecasts, plans and its training lock)
#   read/token        read only    Grafana (and any other reader of the API's data)
# A token file that is already there is kept. To create missing tokens on an installation set up before this
# script existed: docker compose exec influxdb /docker-entrypoint-initdb.d/create-tokens.sh
set -euo pipefail
: "${DOCKER_INFLUXDB_INIT_ORG:?set DOCKER_INFLUXDB_INIT_ORG}"
: "${DOCKER_INFLUXDB_INIT_BUCKET:?set DOCKER_INFLUXDB_INIT_BUCKET}"
TOKENS_DIR=${GRIDCAST_TOKENS_DIR:-/var/lib/gridcast-tokens}
# Outside the first setup (a manual run) the CLI needs the administrator's token; the bucket id is looked up.
export INFLUX_TOKEN=${INFLUX_TOKEN:-${DOCKER_INFLUXDB_INIT_ADMIN_TOKEN:-}}
[ -n "$INFLUX_TOKEN" ] || unset INFLUX_TOKEN
bucket_id=${DOCKER_INFLUXDB_INIT_BUCKET_ID:-$(influx bucket list --org "$DOCKER_INFLUXDB_INIT_ORG" --name "$DOCKER_INFLUXDB_INIT_BUCKET" --hide-headers | cut -f 1)}
if [ -z "$bucket_id" ]; then
  echo "create-tokens.sh: bucket '$DOCKER_INFLUXDB_INIT_BUCKET' not found in org '$DOCKER_INFLUXDB_INIT_ORG'" >&2
  exit 1
fi

# create <name> <description> <influx auth create permission flags…>
create() {
  local name=$1 description=$2
  shift 2
  local dir="$TOKENS_DIR/$name"
  if [ -s "$dir/token" ]; then
    echo "create-tokens.sh: $dir/token exists, kept"
    return
  fi
  local json token
  json=$(influx auth create --org "$DOCKER_INFLUXDB_INIT_ORG" --description "$description" "$@" --json)
  # The image has no jq; the CLI prints one "token": "…" line.
  token=$(printf '%s\n' "$json" | sed -n 's/^ *"token": *"\([^"]*\)".*$/\1/p')
  if [ -z "$token" ]; then
    echo "create-tokens.sh: no token in the answer of influx auth create for '$description'" >&2
    exit 1
  fi
  mkdir -p "$dir"
  chmod 0755 "$dir"
  # Readable by the container user of the one service mounting the volume (node, grafana): not root there.
  (umask 0333 && printf '%s\n' "$token" > "$dir/token.new")
  mv "$dir/token.new" "$dir/token"
  echo "create-tokens.sh: created $dir/token ($description)"
}

create ingest 'gridcast ingesters: write telemetry' --write-bucket "$bucket_id"
create forecaster 'gridcast forecaster: read telemetry, write forecasts and plans' --read-bucket "$bucket_id" --write-bucket "$bucket_id"
create read 'gridcast readers (Grafana): read only' --read-bucket "$bucket_id"
