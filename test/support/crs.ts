import { fileURLToPath } from 'node:url';

/**
 * The CRS tests and CI use: real Aztec Ignition points for circuits up to 2^15 gates, in `../shared/crs`
 * beside the repository (see its README). Never generate one locally.
 */
export const TEST_CRS_PATH = fileURLToPath(new URL('../../../shared/crs', import.meta.url));
