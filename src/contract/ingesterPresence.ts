import { z } from 'zod';

/** What an ingester publishes, retained, on its presence topic (ingesterPresenceTopic). */
export const ingesterPresenceSchema = z.object({
  state: z.enum(['present', 'absent']),
  clientId: z.string(),
});
export type IngesterPresence = z.infer<typeof ingesterPresenceSchema>;
