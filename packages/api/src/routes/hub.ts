import { Type } from '@sinclair/typebox';
import { defineRoute } from '../defineRoute.ts';

export const health = defineRoute({
  id: 'health',
  method: 'GET',
  path: '/health',
  auth: 'none',
  tags: ['hub'],
  summary: 'Liveness and database reachability',
  reply: {
    kind: 'json',
    data: Type.Object({ healthy: Type.Boolean(), database: Type.String(), version: Type.String() }),
  },
});
