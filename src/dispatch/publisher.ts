import mqtt, { type MqttClient } from 'mqtt';
import type { MqttConfig } from '../config/index.js';
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
 * (`<MQTT_CLIENT_ID>-dispatch`), apart from the ingester's persistent one.
 */
export function mqttPlanPublisher(url: string, cfg: MqttConfig): PlanPublisher {
  const client: MqttClient = mqtt.connect(url, {
    protocolVersion: cfg.protocolVersion,
    clientId: `${cfg.clientId}-dispatch`,
    clean: true,
    username: cfg.username,
    password: cfg.password,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  return {
    publish: async (plan) => {
      await client.publishAsync(dispatchTopic(plan.site), JSON.stringify(plan), { qos: 1, retain: true });
    },
    close: async () => {
      await client.endAsync();
    },
  };
}
