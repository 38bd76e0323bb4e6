import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { MqttConfig } from '../config/index.js';

/**
 * The one place that talks MQTT for the ingester: connection options, the subscription and
 * deferred acknowledgements.
 */
export function mqttOptions(cfg: MqttConfig): IClientOptions {
  return {
    protocolVersion: cfg.protocolVersion,
    clientId: cfg.clientId,
    // Persistent session: while the ingester is down the broker queues its QoS 1 messages.
    clean: false,
    username: cfg.username,
    password: cfg.password,
    keepalive: 30,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    resubscribe: true,
    ...(cfg.protocolVersion === 5
      ? { properties: { sessionExpiryInterval: cfg.sessionExpirySeconds, receiveMaximum: cfg.receiveMaximum } }
      : {}),
  };
}

export function subscriptionTopic(topic: string, shareGroup: string | undefined): string {
  return shareGroup ? `$share/${shareGroup}/${topic}` : topic;
}

export function connectMqtt(url: string, cfg: MqttConfig, will?: IClientOptions['will']): MqttClient {
  return mqtt.connect(url, { ...mqttOptions(cfg), ...(will ? { will } : {}) });
}

/**
 * A connection on another share-group member's session (src/ingest/shareCover.ts): its client id, persistent, no
 * will. No reconnect: once the member is back its connection takes the session, and reconnecting would take it
 * back from the member.
 */
export function connectCovering(url: string, cfg: MqttConfig, member: string): MqttClient {
  return mqtt.connect(url, { ...mqttOptions(cfg), clientId: member, reconnectPeriod: 0 });
}

/**
 * mqtt.js sends PUBACK as soon as `handleMessage` calls back, and handles one packet at a time.
 * To batch writes yet acknowledge only readings that are durable, `handleMessage` calls back at
 * once with this marker (mqtt.js then skips its PUBACK and reads the next packet) and
 * `sendPuback` acknowledges later. Relies on mqtt.js internals (pinned in package.json); the
 * crash-recovery test (test/integration/ingestRecovery.test.ts) fails if acks go out early.
 */
export const DEFER_ACK = Object.freeze(new Error('gridcast: acknowledgement deferred until readings are durable'));

export function deferAcks(client: MqttClient, onPublish: (packet: IPublishPacket) => void, holdBack?: (resume: () => void) => boolean): void {
  client.handleMessage = (packet, callback) => {
    if (packet.cmd === 'publish') onPublish(packet);
    const result = packet.cmd === 'publish' && packet.qos === 1 ? DEFER_ACK : undefined;
    // Not calling back stops mqtt.js reading further packets (and, through TCP, the broker sending them) until
    // `resume` runs: the ingester's own bound on messages in flight, whatever receive maximum the broker keeps to.
    if (holdBack?.(() => callback(result))) return;
    callback(result);
  };
}

interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number; reasonCode?: number }, cb?: () => void): void;
}

export function sendPuback(client: MqttClient, messageId: number): void {
  (client as unknown as PacketSender)._sendPacket({ cmd: 'puback', messageId, reasonCode: 0 });
}
