import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsolatedNoir } from '../src/index.ts';

const CRS_PATH = new URL('../../../../shared/crs', import.meta.url).pathname;

/** A program whose compiling unrolls a long loop: seconds of work and hundreds of MB for the compiler. */
const slowProgram = (iterations: number) => [
  { path: 'Nargo.toml', data: new TextEncoder().encode('[package]\nname = "slow"\ntype = "bin"\n') },
  {
    path: 'src/main.nr',
    data: new TextEncoder().encode(
      `fn main(x: pub Field) -> pub Field { let mut a = x; for i in 0..${iterations} { a = a * a + (i as Field); } a }`,
    ),
  },
];

/** The longest the event loop of this process stalled while `work` ran. */
async function longestStallMs(work: Promise<unknown>): Promise<number> {
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  try {
    await work.catch(() => undefined);
  } finally {
    clearInterval(timer);
  }
  return longest;
}

describe('IsolatedNoir', () => {
  it('compiles and keys a program in a child process, leaving this event loop free', async () => {
    const isolated = new IsolatedNoir({
      crsPath: CRS_PATH,
      jobTimeMsMax: 120_000,
      memoryBytesMax: 2 ** 31,
      concurrency: 1,
      queuedMax: 4,
    });
    try {
      let compiled: Awaited<ReturnType<IsolatedNoir['compile']>> | undefined;
      const stall = await longestStallMs(
        isolated.compile(slowProgram(20_000)).then((result) => (compiled = result)),
      );
      assert.ok(compiled !== undefined && compiled.verificationKey.length > 1000, 'a circuit and its key');
      assert.ok(stall < 500, `this process stalled for ${stall} ms while the compiler worked`);
      const witness = await isolated.execute(compiled.circuit, [3n]);
      assert.ok(witness.length > 0);
    } finally {
      isolated.close();
    }
  });

  it('stops a compile past its time limit, and one past its memory limit, saying which', async () => {
    const quick = new IsolatedNoir({
      crsPath: CRS_PATH,
      jobTimeMsMax: 1_000,
      memoryBytesMax: 2 ** 31,
      concurrency: 1,
      queuedMax: 4,
    });
    const small = new IsolatedNoir({
      crsPath: CRS_PATH,
      jobTimeMsMax: 120_000,
      memoryBytesMax: 150 * 2 ** 20,
      concurrency: 1,
      queuedMax: 4,
    });
    try {
      await assert.rejects(quick.compile(slowProgram(100_000)), {
        code: 'NOIR_COMPILE_FAILED',
        message: /compiling it was stopped: it took longer than 1 s/,
      });
      await assert.rejects(small.compile(slowProgram(100_000)), {
        code: 'NOIR_COMPILE_FAILED',
        message: /compiling it was stopped: it needed more than 150 MiB of memory/,
      });
    } finally {
      quick.close();
      small.close();
    }
  });

  it('refuses a job at once when its queue is full', async () => {
    const isolated = new IsolatedNoir({
      crsPath: CRS_PATH,
      jobTimeMsMax: 120_000,
      memoryBytesMax: 2 ** 31,
      concurrency: 1,
      queuedMax: 1,
    });
    try {
      const running = isolated.compile(slowProgram(1000));
      const waiting = isolated.compile(slowProgram(1000));
      await assert.rejects(isolated.compile(slowProgram(1000)), { code: 'TOO_MANY_REQUESTS' });
      await Promise.all([running, waiting]);
    } finally {
      isolated.close();
    }
  });

  it('on close, stops the running job and refuses the waiting ones and any later', async () => {
    const isolated = new IsolatedNoir({
      crsPath: CRS_PATH,
      jobTimeMsMax: 120_000,
      memoryBytesMax: 2 ** 31,
      concurrency: 1,
      queuedMax: 2,
    });
    const running = isolated.compile(slowProgram(20_000));
    const waiting = isolated.compile(slowProgram(10));
    isolated.close();
    await Promise.all([
      assert.rejects(running, { code: 'NOIR_COMPILE_FAILED', message: /its process stopped/ }),
      assert.rejects(waiting, { code: 'VERIFIER_UNAVAILABLE', message: /stopping/ }),
    ]);
    await assert.rejects(isolated.compile(slowProgram(10)), { code: 'VERIFIER_UNAVAILABLE' });
  });
});
