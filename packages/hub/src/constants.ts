/** Hub-local tuning; protocol limits shared with clients live in `@proofgrid/core` (`limits.ts`). */

/** A basic (access) token is short-lived: a stolen one is useful for minutes, not days. */
export const BASIC_TOKEN_TTL_SECONDS = 15 * 60;
/** A login session (its chain of rotated refresh tokens) ends after this, whatever happens. */
export const SESSION_TTL_SECONDS = 30 * 24 * 3600;

/** Login attempts per client address and username in one window, then per client address alone. */
export const LOGIN_ATTEMPTS_PER_USERNAME_MAX = 10;
export const LOGIN_ATTEMPTS_PER_ADDRESS_MAX = 50;
export const LOGIN_WINDOW_MS = 60_000;
/** Keys the login limiter remembers; past this the oldest windows are forgotten first. */
export const LOGIN_LIMITER_KEYS_MAX = 10_000;

/** scrypt cost: N = 2^15, r = 8 → 32 MiB and tens of milliseconds per hash. */
export const SCRYPT_LOG2_N = 15;
export const SCRYPT_BLOCK_SIZE = 8;
export const SCRYPT_PARALLELISM = 1;

/** Program archives kept in memory for the reservation path. */
export const BLOB_CACHE_BYTES_MAX = 128 * 1024 * 1024;
/**
 * A released blob is deleted only after this (the default of `--blob-grace-seconds`), so an upload of the
 * same bytes in flight keeps it. The sweep runs every half grace, between 1 s and a minute.
 */
export const BLOB_GARBAGE_GRACE_MS = 10 * 60_000;
export const BLOB_GARBAGE_SWEEP_INTERVAL_MS_MIN = 1_000;
export const BLOB_GARBAGE_SWEEP_INTERVAL_MS_MAX = 60_000;
/** Blobs one sweep looks at, at most (a sweep that finds more goes on at its next run). */
export const BLOB_GARBAGE_SWEEP_BATCH_MAX = 10_000;

/** Outputs up to this size live in their replica's row; larger ones in the blob store. */
export const OUTPUT_INLINE_BYTES_MAX = 64 * 1024;

/** How often leases that ran out are recorded as lapsed, and how many at most each time. */
export const LAPSE_SWEEP_INTERVAL_MS = 1_000;
export const LAPSE_SWEEP_BATCH_MAX = 1_000;
/** How often deal tasks past their final deadline are claimed by the hub itself. */
export const CLAIM_SWEEP_INTERVAL_MS = 1_000;
/** How often open auctions are tried against the orderbook at their current price. */
export const AUCTION_SWEEP_INTERVAL_MS = 1_000;
/** How often the chain bridge reads deposits and sends or settles withdrawals. */
export const BRIDGE_ROUND_INTERVAL_MS = 2_000;

/** A worker that asked for work within this window counts as connected (`job watch`, waiting reasons). */
export const WORKER_CONNECTED_WINDOW_MS = 60_000;

/** Tasks a lease request looks at past the ones it can take (locked by others, full after a recheck). */
export const LEASE_CANDIDATES_EXTRA = 8;

/** Noir compiles and checks run in child processes: at most this long, this large, this many at once. */
export const NOIR_JOB_TIME_MS_MAX = 120_000;
export const NOIR_JOB_MEMORY_BYTES_MAX = 2 * 1024 ** 3;
export const NOIR_JOBS_AT_ONCE = 1;
export const NOIR_JOBS_QUEUED_MAX = 16;
/** Verifying a proof is milliseconds of work; the hub's request handling needs the other cores. */
export const NOIR_VERIFIER_THREADS = 1;

/** Input values inserted per statement when an input group is stored. */
export const INPUT_VALUES_PER_INSERT_MAX = 1_000;

/** Connections each hub process opens to a PostgreSQL server. */
export const POSTGRES_CONNECTIONS_MAX = 8;

/** How long a stopping hub waits for requests in flight. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Reservations served by one statement at most, and waiting at most (then 429). */
export const RESERVATION_BATCH_SIZE_MAX = 64;
export const RESERVATIONS_QUEUED_MAX = 10_000;
/** Proof uploads recorded by one transaction at most, and waiting at most (then 429). */
export const PROOF_BATCH_SIZE_MAX = 64;
export const PROOFS_QUEUED_MAX = 10_000;

/** Blob writes waiting for their garbage mark at most (then 429); they are marked together, in one statement. */
export const BLOB_WRITES_QUEUED_MAX = 1_000;

/** How often a PGlite hub checks for tables whose planner statistics went stale (see analyzeStaleTables). */
export const STATISTICS_CHECK_INTERVAL_MS = 2_000;

/** Programs whose immutable facts (owner, runtime, policy, lease length, artifact) are kept in memory for the hot paths. */
export const PROGRAM_FACTS_CACHED_MAX = 10_000;

/** Registered workers whose keys are kept in memory for checking signatures. */
export const WORKERS_CACHED_MAX = 100_000;
/** When a worker was last seen is written at most this often (it only tells whether it is connected). */
export const WORKER_SEEN_WRITE_MS = 10_000;
/** A cached worker is read again after this: it may have registered again with another name or account. */
export const WORKER_ENTRY_TTL_MS = 60_000;
