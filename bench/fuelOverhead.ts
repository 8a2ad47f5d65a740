// Benchmark: the cost of fuel metering. Compiles four AssemblyScript kernels (a tight loop, a matrix
// multiply, the render example's ray tracer, trial-division primality), runs each
// unmetered and metered on the same input, alternating, and prints the median times and their ratio.
//
//   npm run bench:fuel
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createWasiImports,
  encodeStdin,
  executeWasm,
  instrumentModule,
  ProcExit,
  WASI_MODULE,
} from '@proofgrid/runtime';

const ROUNDS = 7;
const be32 = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const renderInput = new Uint8Array([
  ...be32(0),
  ...be32(0),
  ...be32(640),
  ...be32(480),
  ...be32(640),
  ...be32(480),
]);
const KERNELS: { name: string; source: string; input: Uint8Array[] }[] = [
  { name: 'loop', source: 'bench/kernels/loop.ts', input: [be32(200_000_000)] },
  { name: 'matmul', source: 'bench/kernels/matmul.ts', input: [be32(220)] },
  { name: 'render', source: 'examples/render/assembly/index.ts', input: [renderInput] },
  {
    name: 'primality',
    source: 'examples/primality/assembly/index.ts',
    input: Array.from({ length: 4000 }, (_, i) => be32(4_294_967_291 - 2 * i)),
  },
];
const limits = { seed: 'bench', memoryPagesMax: 1024, outputBytesMax: 1 << 20, logBytesMax: 1024 };

function compile(
  { name, source }: { name: string; source: string },
  outDir: string,
): Uint8Array<ArrayBuffer> {
  const root = new URL('..', import.meta.url).pathname;
  const out = join(outDir, `${name}.wasm`);
  const args = [source, '--outFile', out, '--optimize'];
  // AssemblyScript's abort goes to the kernels' own glue (proc_exit), not to an `env` import.
  args.push('--use', 'abort=packages/hub/template/default/assembly/proofgrid/abortProgram');
  const result = spawnSync(join(root, 'node_modules/.bin/asc'), args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`asc failed for ${name}: ${result.stderr}`);
  return new Uint8Array(readFileSync(out));
}

function runUnmetered(module: WebAssembly.Module, input: Uint8Array[]): Uint8Array {
  const host = createWasiImports({
    stdin: encodeStdin(input),
    outputBytesMax: limits.outputBytesMax,
    logBytesMax: limits.logBytesMax,
    seed: limits.seed,
    chargeFuel: () => undefined, // unmetered: the baseline
  });
  const instance = new WebAssembly.Instance(module, { [WASI_MODULE]: host.imports });
  host.setMemory(instance.exports.memory as WebAssembly.Memory);
  try {
    (instance.exports._start as () => void)();
  } catch (error) {
    if (!(error instanceof ProcExit)) throw error;
  }
  return host.output();
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const outDir = mkdtempSync(join(tmpdir(), 'proofgrid-kernels-'));
const ratios: number[] = [];
try {
  for (const kernel of KERNELS) {
    const bytes = compile(kernel, outDir);
    const plain = new WebAssembly.Module(bytes);
    const metered = new WebAssembly.Module(
      instrumentModule(bytes, { memoryPagesMax: limits.memoryPagesMax }),
    );
    const times = { plain: [] as number[], metered: [] as number[] };
    let fuelUsed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let t = performance.now();
      const expected = runUnmetered(plain, kernel.input);
      times.plain.push(performance.now() - t);
      t = performance.now();
      const result = executeWasm({ ...limits, module: metered, input: kernel.input, fuelMax: 1e15 });
      times.metered.push(performance.now() - t);
      if (Buffer.compare(Buffer.from(expected), Buffer.from(result.output)) !== 0)
        throw new Error(`${kernel.name}: metered output differs`);
      fuelUsed = result.fuelUsed;
    }
    const ratio = median(times.metered) / median(times.plain);
    ratios.push(ratio);
    console.log(
      `${kernel.name.padEnd(10)} unmetered ${median(times.plain).toFixed(1)} ms, metered ${median(times.metered).toFixed(1)} ms: ${ratio.toFixed(2)}x (${fuelUsed} fuel)`,
    );
  }
  console.log(`median overhead across kernels: ${median(ratios).toFixed(2)}x`);
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
