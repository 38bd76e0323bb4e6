import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../common/logger.js';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Standalone mode's broker: aedes in-process, MQTT 3.1.1, no authentication, in-memory sessions.
 * For a real deployment use Mosquitto (or another MQTT v5 broker) and set MQTT_URL.
 */
export async function startEmbeddedBroker(host: string, port: number, log: Logger): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`MQTT port ${host}:${port} is already in use (another broker?): set MQTT_BROKER_PORT to a free port, or MQTT_URL to use that broker`)
          : err,
      ),
    );
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as { port: number }).port;
  log.info({ host, port: bound }, 'embedded MQTT broker listening');
  return {
    url: `mqtt://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        aedes.close(() => server.close(() => resolve()));
      }),
  };
}
