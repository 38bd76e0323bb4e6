#!/bin/sh
# Creates the password file from the environment, then runs Mosquitto. Refuses to start without credentials.
set -eu
: "${MQTT_USERNAME:?set MQTT_USERNAME}"
: "${MQTT_PASSWORD:?set MQTT_PASSWORD}"
mkdir -p /mosquitto/data
touch /mosquitto/data/passwd
chmod 0700 /mosquitto/data/passwd
mosquitto_passwd -b /mosquitto/data/passwd "$MQTT_USERNAME" "$MQTT_PASSWORD"
chown -R mosquitto:mosquitto /mosquitto/data
exec mosquitto -c /mosquitto/config/mosquitto.conf
