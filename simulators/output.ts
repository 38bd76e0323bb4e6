import mqtt, { type MqttClient } from 'mqtt';
import type { Reading } from '../src/contract/index.js';

/** Where simulated and replayed telemetry goes: an MQTT broker, or JSON lines on stdout (--dry-run). */
export interface Output {
  /** Publishes readings as one message (an object for one reading, an array for several). */
  send(topic: string, readings: readonly Reading[]): Promise<void>;
  /** Publishes bytes as they are (fault injection's malformed payloads). */
  sendRaw(topic: string, payload: string | Buffer): Promise<void>;
  /** Waits until everything sent is acknowledged (QoS 1) or written, then closes. */
  close(): Promise<void>;
  readonly messagesSent: number;
}

export interface MqttOutputOptions {
  url: string;
  username?: string;
  password?: string;
  qos: 0 | 1;
  clientId: string;
  /** Unacknowledged messages allowed at once; send() waits beyond that (backpressure). */
  window: number;
}

export async function mqttOutput(o: MqttOutputOptions): Promise<Output> {
  const client: MqttClient = await mqtt.connectAsync(o.url, {
    // 3.1.1 is enough to publish, and the embedded standalone broker (aedes) speaks nothing newer.
    protocolVersion: 4,
    clientId: o.clientId,
    username: o.username,
    password: o.password,
    clean: true,
    reconnectPeriod: 1000,
  });
  let inFlight = 0;
  let sent = 0;
  let failure: Error | undefined;
  const waiters: (() => void)[] = [];
  const settle = (err?: Error | null) => {
    inFlight--;
    if (err) failure ??= err;
    waiters.shift()?.();
  };
  const publish = async (topic: string, payload: string | Buffer) => {
    if (failure) throw failure;
    while (inFlight >= o.window) await new Promise<void>((r) => waiters.push(r));
    inFlight++;
    sent++;
    client.publish(topic, payload, { qos: o.qos }, settle);
  };
  return {
    send: (topic, readings) => publish(topic, JSON.stringify(readings.length === 1 ? readings[0] : readings)),
    sendRaw: publish,
    get messagesSent() {
      return sent;
    },
    close: async () => {
      while (inFlight > 0) await new Promise<void>((r) => waiters.push(r));
      await client.endAsync();
      if (failure) throw failure;
    },
  };
}

/** JSON lines on a stream: one line per reading with its topic, or per raw payload. */
export function dryRunOutput(stream: NodeJS.WritableStream = process.stdout): Output {
  let sent = 0;
  // `gridcast simulate --dry-run | head` closes the pipe early: that is the reader being done, not an error.
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const write = (line: string) =>
    new Promise<void>((resolve) => {
      if (stream.write(`${line}\n`)) resolve();
      else stream.once('drain', resolve);
    });
  return {
    send: async (topic, readings) => {
      sent++;
      for (const r of readings) await write(JSON.stringify({ topic, ...r }));
    },
    sendRaw: async (topic, payload) => {
      sent++;
      await write(JSON.stringify({ topic, raw: payload.toString() }));
    },
    get messagesSent() {
      return sent;
    },
    close: async () => undefined,
  };
}
