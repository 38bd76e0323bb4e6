#!/bin/sh
# Assembles the password file, then runs Mosquitto. Refuses to start without the service passwords.
#  - meters: /mosquitto/config/meters.passwd if present (hashed, made with mosquitto_passwd; see README, "MQTT security")
#  - gridcast-ingest and gridcast-simulator: passwords from MQTT_INGEST_PASSWORD / MQTT_SIMULATOR_PASSWORD
#  - gridcast-weather (optional): password from MQTT_WEATHER_PASSWORD
# Rebuilt at every start, so a meter removed from meters.passwd loses access at the next restart.
set -eu
: "${MQTT_INGEST_PASSWORD:?set MQTT_INGEST_PASSWORD}"
: "${MQTT_SIMULATOR_PASSWORD:?set MQTT_SIMULATOR_PASSWORD}"
mkdir -p /mosquitto/data
rm -f /mosquitto/data/passwd
if [ -f /mosquitto/config/meters.passwd ]; then
  cp /mosquitto/config/meters.passwd /mosquitto/data/passwd
else
  touch /mosquitto/data/passwd
fi
chmod 0600 /mosquitto/data/passwd
mosquitto_passwd -b /mosquitto/data/passwd gridcast-ingest "$MQTT_INGEST_PASSWORD"
mosquitto_passwd -b /mosquitto/data/passwd gridcast-simulator "$MQTT_SIMULATOR_PASSWORD"
# Optional: only sites that buy their own weather forecasts publish them (gridcast/v1/<site>/weather-forecast).
if [ -n "${MQTT_WEATHER_PASSWORD:-}" ]; then
  mosquitto_passwd -b /mosquitto/data/passwd gridcast-weather "$MQTT_WEATHER_PASSWORD"
fi
chown -R mosquitto:mosquitto /mosquitto/data
exec mosquitto -c /mosquitto/config/mosquitto.conf
