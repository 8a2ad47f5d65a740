/**
 * The WASI preview 1 functions the sandbox provides (see `wasi/createWasiImports.ts`). A module that imports
 * anything else is refused at upload, so it can never reach for a file, a socket or the real clock.
 */
export const WASI_MODULE = 'wasi_snapshot_preview1';

export const ALLOWED_WASI_FUNCTIONS = [
  'args_get',
  'args_sizes_get',
  'environ_get',
  'environ_sizes_get',
  'clock_res_get',
  'clock_time_get',
  'fd_close',
  'fd_fdstat_get',
  'fd_prestat_get',
  'fd_prestat_dir_name',
  'fd_read',
  'fd_seek',
  'fd_write',
  'proc_exit',
  'random_get',
  'sched_yield',
] as const;

export type WasiFunctionName = (typeof ALLOWED_WASI_FUNCTIONS)[number];
