import wabtModule from 'wabt';

const wabt = await wabtModule();

/** Assembles WebAssembly text into a binary module (tests write their guests by hand). */
export function wat(text: string, features: Record<string, boolean> = {}): Uint8Array {
  const parsed = wabt.parseWat('test.wat', text, features);
  try {
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

const WASI = 'wasi_snapshot_preview1';

/** Guests used by several tests. Each reads its input from stdin as ProofGrid encodes it. */
export const GUESTS = {
  /** Echoes standard input to standard output. */
  echo: `(module
    (import "${WASI}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (import "${WASI}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 64))
      (i32.store (i32.const 4) (i32.const 4096))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (i32.store (i32.const 4) (i32.load (i32.const 8)))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))))`,
  /** Reads one u32 n (little-endian, after its 4-byte length) and writes the sum 0 + 1 + ... + (n-1). */
  sum: `(module
    (import "${WASI}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (import "${WASI}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start") (local $i i32) (local $n i32) (local $sum i32)
      (i32.store (i32.const 0) (i32.const 64))
      (i32.store (i32.const 4) (i32.const 8))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $n (i32.load (i32.const 68)))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $sum (i32.add (local.get $sum) (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
      (i32.store (i32.const 128) (local.get $sum))
      (i32.store (i32.const 0) (i32.const 128))
      (i32.store (i32.const 4) (i32.const 4))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))))`,
  /** Spins forever. */
  spin: `(module
    (memory (export "memory") 1)
    (func (export "_start") (loop $forever (br $forever))))`,
  /** Grows its memory one page at a time, forever. */
  hog: `(module
    (memory (export "memory") 1)
    (func (export "_start") (loop $more (drop (memory.grow (i32.const 1))) (br $more))))`,
  /** Writes 16 random bytes, then the clock, to standard output. */
  entropy: `(module
    (import "${WASI}" "random_get" (func $random_get (param i32 i32) (result i32)))
    (import "${WASI}" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
    (import "${WASI}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (drop (call $random_get (i32.const 64) (i32.const 16)))
      (drop (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 80)))
      (i32.store (i32.const 0) (i32.const 64))
      (i32.store (i32.const 4) (i32.const 24))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))))`,
  /** Writes to stderr, then exits with code 3. */
  exits: `(module
    (import "${WASI}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "${WASI}" "proc_exit" (func $proc_exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 64) "careful\\n")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 64))
      (i32.store (i32.const 4) (i32.const 8))
      (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 12)))
      (call $proc_exit (i32.const 3))))`,
  /** Recurses as deep as its input says (one u32, little-endian, after its length), then writes 1. */
  recurse: `(module
    (import "${WASI}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (import "${WASI}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func $down (param $n i32) (if (i32.gt_u (local.get $n) (i32.const 0)) (then (call $down (i32.sub (local.get $n) (i32.const 1))))))
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 64))
      (i32.store (i32.const 4) (i32.const 8))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (call $down (i32.load (i32.const 68)))
      (i32.store8 (i32.const 100) (i32.const 1))
      (i32.store (i32.const 0) (i32.const 100))
      (i32.store (i32.const 4) (i32.const 1))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`,
  /** Traps: an integer division by zero. */
  divides: `(module
    (memory (export "memory") 1)
    (func (export "_start") (drop (i32.div_u (i32.const 1) (i32.const 0)))))`,
} as const;
