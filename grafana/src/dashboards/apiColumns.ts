import type { InfinityColumn } from '../builders.js';

export const col = (selector: string, text: string = selector, type: InfinityColumn['type'] = 'number'): InfinityColumn => ({ selector, text, type });
export const str = (selector: string, text: string = selector): InfinityColumn => col(selector, text, 'string');
export const time = (selector = 'time', text = 'time'): InfinityColumn => col(selector, text, 'timestamp');

/** The dashboard's time range as the API's `from`/`to` (epoch ms). */
export const RANGE = 'from=${__from}&to=${__to}';
