import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';

/**
 * One part of a running process (Zigbee2MQTT's extension pattern): the broker, the stores, the ingester,
 * the HTTP server, the scheduler, … start() brings it up; stop() takes it down and waits for its work.
 */
export interface PlatformService {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Services in the order they start; they stop in reverse, so a service stops before what it depends on
 * (the ingester flushes before the stores close). A start that fails stops itself and everything started
 * before it.
 */
export class ServiceRegistry {
  private readonly services: PlatformService[] = [];
  private readonly started: PlatformService[] = [];

  constructor(private readonly log: Logger) {}

  add(service: PlatformService): void {
    this.services.push(service);
  }

  /** Adds a service whose start is its construction (already running) and that only needs stopping. */
  addRunning(name: string, stop: () => Promise<void>): void {
    const service = { name, start: async () => undefined, stop };
    this.services.push(service);
  }

  async startAll(): Promise<void> {
    for (const service of this.services.slice(this.started.length)) {
      try {
        await service.start();
      } catch (err) {
        this.log.error({ service: service.name, err: errorMessage(err) }, 'service failed to start: stopping what had started');
        // A half-started service (an ingester whose subscription was refused) may hold files and sockets.
        await service.stop().catch(() => undefined);
        await this.stopAll().catch(() => undefined);
        throw err;
      }
      this.started.push(service);
    }
  }

  /** Stops every started service, last first; one that fails to stop is logged and the rest still stop. */
  async stopAll(): Promise<void> {
    let firstError: unknown;
    while (this.started.length > 0) {
      const service = this.started.pop()!;
      try {
        await service.stop();
      } catch (err) {
        firstError ??= err;
        this.log.error({ service: service.name, err: errorMessage(err) }, 'service failed to stop');
      }
    }
    if (firstError !== undefined) throw firstError;
  }
}
