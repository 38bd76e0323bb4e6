#!/bin/sh
# Assembles the password files, then runs Mosquitto. Refuses to start without the service passwords.
#  - /mosquitto/data/passwd (listener 1883, meters): /mosquitto/config/meters.passwd if present (hashed, made with
#    mosquitto_passwd; see docs/security.md), plus gridcast-simulator (MQTT_SIMULATOR_PASSWORD) and the site
#    controller gridcast-controller (MQTT_CONTROLLER_PASSWORD), which reads dispatch plans
#  - /mosquitto/data/services.passwd (listener 1884, services): gridcast-ingest (MQTT_INGEST_PASSWORD) and the
#    forecaster's gridcast-forecaster (MQTT_FORECASTER_PASSWORD) only, so no meter credential opens the listener where
#    client ids are not tied to usernames
#  - gridcast-weather (optional, listener 1883): password from MQTT_WEATHER_PASSWORD
#  - gridcast-prices (optional, listener 1883): password from MQTT_PRICES_PASSWORD
# Rebuilt at every start, so a meter removed from meters.passwd loses access at the next restart.
set -eu
: "${MQTT_INGEST_PASSWORD:?set MQTT_INGEST_PASSWORD}"
: "${MQTT_SIMULATOR_PASSWORD:?set MQTT_SIMULATOR_PASSWORD}"
: "${MQTT_FORECASTER_PASSWORD:?set MQTT_FORECASTER_PASSWORD}"
: "${MQTT_CONTROLLER_PASSWORD:?set MQTT_CONTROLLER_PASSWORD}"
mkdir -p /mosquitto/data
rm -f /mosquitto/data/passwd /mosquitto/data/services.passwd
if [ -f /mosquitto/config/meters.passwd ]; then
  cp /mosquitto/config/meters.passwd /mosquitto/data/passwd
else
  touch /mosquitto/data/passwd
fi
touch /mosquitto/data/services.passwd
chmod 0600 /mosquitto/data/passwd /mosquitto/data/services.passwd
mosquitto_passwd -b /mosquitto/data/passwd gridcast-simulator "$MQTT_SIMULATOR_PASSWORD"
mosquitto_passwd -b /mosquitto/data/passwd gridcast-controller "$MQTT_CONTROLLER_PASSWORD"
mosquitto_passwd -b /mosquitto/data/services.passwd gridcast-ingest "$MQTT_INGEST_PASSWORD"
mosquitto_passwd -b /mosquitto/data/services.passwd gridcast-forecaster "$MQTT_FORECASTER_PASSWORD"
# Optional: only sites that buy their own weather forecasts publish them (gridcast/v1/<site>/weather-forecast).
if [ -n "${MQTT_WEATHER_PASSWORD:-}" ]; then
  mosquitto_passwd -b /mosquitto/data/passwd gridcast-weather "$MQTT_WEATHER_PASSWORD"
fi
# Optional: the bridge from a market feed that publishes day-ahead prices (gridcast/v1/<site>/prices).
if [ -n "${MQTT_PRICES_PASSWORD:-}" ]; then
  mosquitto_passwd -b /mosquitto/data/passwd gridcast-prices "$MQTT_PRICES_PASSWORD"
fi
chown -R mosquitto:mosquitto /mosquitto/data
exec mosquitto -c /mosquitto/config/mosquitto.conf
