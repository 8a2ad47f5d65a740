import type { Noir } from '@noir-lang/noir_js';
import type { NoirCircuit } from './compileNoir.ts';
import { NoirExecutionError } from './errors.ts';
import { inputMap, type NoirValue } from './noirAbi.ts';

/**
 * Runs the program on the task's values and returns the solved witness (gzipped, as bb proves it). The
 * return value is not taken from here: the proof's public inputs carry it.
 *
 * @throws NOIR_EXECUTION_FAILED when an assertion fails or the input does not satisfy the program
 */
export async function executeNoir(circuit: NoirCircuit, values: readonly NoirValue[]): Promise<Uint8Array> {
  // Loaded on first use: importing noir_js costs every command that never executes a circuit.
  const { Noir: NoirProgram } = await import('@noir-lang/noir_js');
  const noir = new NoirProgram(circuit as unknown as ConstructorParameters<typeof Noir>[0]);
  try {
    const { witness } = await noir.execute(inputMap(circuit.abi, values) as never);
    return witness;
  } catch (error) {
    throw new NoirExecutionError({ message: error instanceof Error ? error.message : String(error) });
  }
}
