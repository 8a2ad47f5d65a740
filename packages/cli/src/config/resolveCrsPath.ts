import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The CRS directory for Noir programs: `--crs-path`, else PROOFGRID_CRS_PATH, else CRS_PATH (bb's own
 * variable), else `~/.bb-crs` (bb's own default). It holds Aztec Ignition points (bn254_g1.dat, bn254_g2.dat).
 */
export function resolveCrsPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(flag ?? (env.PROOFGRID_CRS_PATH || env.CRS_PATH || join(homedir(), '.bb-crs')));
}
