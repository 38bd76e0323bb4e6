import type { Stores } from './stores.js';

export type WrittenResource = 'telemetry' | 'forecast' | 'dispatch';

/**
 * The same stores, calling `listener` after each successful write with what was written: the API clears
 * its cached answers this way. Everything else passes through untouched (a Proxy per store, so methods
 * added to an interface later need no change here).
 */
export function observeWrites(stores: Stores, listener: (what: WrittenResource) => void): Stores {
  return {
    ...stores,
    telemetry: observed(stores.telemetry, ['writePoints'], () => listener('telemetry')),
    forecasts: observed(stores.forecasts, ['writeForecasts'], () => listener('forecast')),
    dispatchPlans: observed(stores.dispatchPlans, ['writeDispatchPlan'], () => listener('dispatch')),
    init: () => stores.init(),
    health: () => stores.health(),
    close: () => stores.close(),
  };
}

function observed<T extends object>(store: T, writes: readonly string[], after: () => void): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (typeof prop !== 'string' || !writes.includes(prop)) return value.bind(target);
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(target, args);
        after();
        return result;
      };
    },
  });
}
