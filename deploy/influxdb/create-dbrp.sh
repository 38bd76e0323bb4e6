#!/bin/bash
# Runs once after InfluxDB 2.x setup: maps the v1 database name gridcast reads with InfluxQL to the bucket.
set -euo pipefail
influx v1 dbrp create --bucket-id "${DOCKER_INFLUXDB_INIT_BUCKET_ID}" --db "${DOCKER_INFLUXDB_INIT_BUCKET}" --rp autogen --default
