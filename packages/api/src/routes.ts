import * as accounts from './routes/accounts.ts';
import * as donors from './routes/donors.ts';
import * as hub from './routes/hub.ts';
import * as inputs from './routes/inputs.ts';
import * as market from './routes/market.ts';
import * as programs from './routes/programs.ts';
import * as proofs from './routes/proofs.ts';
import * as tasks from './routes/tasks.ts';
import * as workers from './routes/workers.ts';

/** Every route of the hub's API by its id: the hub registers each, the client calls each. */
export const routes = {
  ...accounts,
  ...programs,
  ...inputs,
  ...donors,
  ...proofs,
  ...tasks,
  ...workers,
  ...hub,
  ...market,
} as const;

export type RouteId = keyof typeof routes;

/** The routes as a list, for registering and documenting them all. */
export const ROUTES = Object.values(routes);
