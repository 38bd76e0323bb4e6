import mqtt, { type MqttClient } from 'mqtt';
import type { MqttConfig } from '../config/index.js';
import { watchMqttConnection, type Registry } from '../common/metrics.js';
import type { DispatchPlan } from './plan.js';
import { dispatchTopic } from '../contract/index.js';

/** Where plans go besides the store. */
export interface PlanPublisher {
  publish(plan: DispatchPlan): Promise<void>;
  close(): Promise<void>;
}

/**
 * The one place dispatch talks MQTT: each plan retained (QoS 1) on gridcast/v1/<site>/dispatch, so a
 * controller that subscribes later still gets the plan in force. Its own clean session and client id
 * (`<MQTT_CLIENT_ID>-dispatch`), apart from the ingester's persistent one; given `metrics`, its connection
 * shows as `gridcast_mqtt_connected{client="dispatch"}`.
 */
export function mqttPlanPublisher(url: string, cfg: MqttConfig, metrics?: Registry): PlanPublisher {
  const client: MqttClient = mqtt.connect(url, {
    protocolVersion: cfg.protocolVersion,
    clientId: `${cfg.clientId}-dispatch`,
    clean: true,
    username: cfg.username,
    password: cfg.password,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  if (metrics) watchMqttConnection(metrics, 'dispatch', client);
  return {
    publish: async (plan) => {
      await client.publishAsync(dispatchTopic(plan.site), JSON.stringify(plan), { qos: 1, retain: true });
    },
    close: async () => {
      await client.endAsync();
    },
  };
}
