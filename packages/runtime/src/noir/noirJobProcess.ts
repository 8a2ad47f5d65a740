// The child process of an IsolatedNoir: compiles a Noir project (and computes its verification key) or
// executes a circuit, once, then exits. It exists so that a program built to be slow or huge to compile
// or execute costs this process, which its parent kills, not the hub's event loop or memory.
import { encodeBase64, isProofGridError } from '@proofgrid/core';
import { compileNoir } from './compileNoir.ts';
import { executeNoir } from './executeNoir.ts';
import type { NoirJobReply, NoirJobRequest } from './IsolatedNoir.ts';
import { NoirProver } from './NoirProver.ts';

const send = (reply: NoirJobReply, then?: () => void) => process.send?.(reply, undefined, {}, then);
if (process.send === undefined) throw new Error('noirJobProcess runs only as a forked child');
process.on('disconnect', () => process.exit(0));
/** Leaves once the answer is sent: one job per process. */
const leave = () => process.disconnect();

process.once('message', async (request: NoirJobRequest) => {
  try {
    if (request.kind === 'compile') {
      const circuit = await compileNoir(request.files);
      const prover = new NoirProver({ crsPath: request.crsPath, threads: 1 });
      try {
        const verificationKey = await prover.verificationKey(circuit.bytecode);
        send({ ok: true, kind: 'compile', circuit, verificationKey: encodeBase64(verificationKey) }, leave);
      } finally {
        await prover.close();
      }
    } else {
      const witness = await executeNoir(request.circuit, request.values);
      send({ ok: true, kind: 'execute', witness: encodeBase64(witness) }, leave);
    }
  } catch (error) {
    send(
      {
        ok: false,
        code: isProofGridError(error) ? error.code : null,
        message: isProofGridError(error) ? error.shortMessage : String(error),
        details: isProofGridError(error) ? (error.details ?? null) : null,
      },
      leave,
    );
  }
});
send({ ok: true, kind: 'ready' });
