import { routes } from '@proofgrid/api';
import type { HubContext } from '../context.ts';
import { handle, type RouteEntry } from '../http/handle.ts';

export const HUB_VERSION = '0.1.0';

/** The hub's own routes: its health. */
export function hubRoutes(ctx: HubContext): RouteEntry[] {
  return [
    handle(routes.health, async () => {
      await ctx.store.query('SELECT 1');
      return { healthy: true, database: ctx.store.driver, version: HUB_VERSION };
    }),
  ];
}
