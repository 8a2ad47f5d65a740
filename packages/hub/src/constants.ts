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
/** A released blob is deleted only after this, so an upload of the same bytes in flight keeps it. */
export const BLOB_GARBAGE_GRACE_MS = 10 * 60_000;
export const BLOB_GARBAGE_SWEEP_INTERVAL_MS = 60_000;
export const BLOB_GARBAGE_SWEEP_BATCH_MAX = 100;

/** Input values inserted per statement when an input group is stored. */
export const INPUT_VALUES_PER_INSERT_MAX = 1_000;

/** Connections each hub process opens to a PostgreSQL server. */
export const POSTGRES_CONNECTIONS_MAX = 8;

/** How long a stopping hub waits for requests in flight. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Reservations served by one statement at most, and waiting at most (then 429). */
export const RESERVATION_BATCH_SIZE_MAX = 64;
export const RESERVATIONS_QUEUED_MAX = 10_000;
/** Proof uploads recorded by one statement at most, and waiting at most (then 429). */
export const PROOF_BATCH_SIZE_MAX = 64;
export const PROOFS_QUEUED_MAX = 10_000;

/** How often a PGlite hub checks for tables whose planner statistics went stale (see analyzeStaleTables). */
export const STATISTICS_CHECK_INTERVAL_MS = 2_000;

/** Programs whose immutable facts (owner, lease length, archive) are kept in memory for the hot paths. */
export const PROGRAM_FACTS_CACHED_MAX = 10_000;
