import { PROGRAM_FACTS_CACHED_MAX } from './constants.ts';
import type { HubDeps } from './deps.ts';
import { ProgramFacts } from './programs/ProgramFacts.ts';

/** The dependencies plus what `buildHub` derives from them once: the cache of programs' facts. */
export type HubContext = HubDeps & { programs: ProgramFacts };

export function createContext(deps: HubDeps): HubContext {
  return {
    ...deps,
    programs: new ProgramFacts({ entriesMax: PROGRAM_FACTS_CACHED_MAX }, { db: deps.store }),
  };
}
