import type { TelemetryStore } from './types.js';

export type WrittenResource = 'telemetry' | 'forecast' | 'dispatch';

const WRITES: Record<string, WrittenResource> = { writePoints: 'telemetry', writeForecasts: 'forecast', writeDispatchPlan: 'dispatch' };

/**
 * The same store, calling `listener` after each successful write with what was written: the API clears
 * its cached answers this way. Everything else passes through untouched (a Proxy, so methods added to
 * the interface later need no change here).
 */
export function observeWrites(store: TelemetryStore, listener: (what: WrittenResource) => void): TelemetryStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const what = typeof prop === 'string' ? WRITES[prop] : undefined;
      if (!what) return value.bind(target);
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(target, args);
        listener(what);
        return result;
      };
    },
  });
}
