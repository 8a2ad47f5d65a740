/**
 * Protocol limits shared by the hub and its clients. Every input that comes from outside is bounded by one
 * of these; `limits.test.ts` asserts how they relate.
 */

/** A program archive (tar) as uploaded. */
export const PROGRAM_SIZE_BYTES_MAX = 32 * 1024 * 1024;
/** Entries in a program archive: enough for a source tree, not for a tar bomb of empty files. */
export const TAR_ENTRIES_MAX = 2_000;
/** Path length of a tar entry, in bytes (ustar's name + prefix fields). */
export const TAR_PATH_BYTES_MAX = 255;
/** Folder depth of a tar entry. */
export const TAR_PATH_DEPTH_MAX = 32;

/** One input group's CSV file as uploaded. */
export const INPUT_CSV_SIZE_BYTES_MAX = 16 * 1024 * 1024;
/** One decoded input value. */
export const INPUT_VALUE_SIZE_BYTES_MAX = 64 * 1024;
/** Values (rows) in one input group. */
export const INPUT_VALUES_PER_GROUP_MAX = 100_000;

/** A proof file as uploaded by a donor. */
export const PROOF_SIZE_BYTES_MAX = 16 * 1024 * 1024;

/** JSON request bodies and the multipart `data` field. */
export const JSON_BODY_SIZE_BYTES_MAX = 64 * 1024;

/** Page size of every listing (seed 004: `limit` 1..50, default 50). */
export const PAGE_LIMIT_MAX = 50;
/** Pages beyond this would only scan; nobody pages through a million rows of 50. */
export const PAGE_NUMBER_MAX = 1_000_000;

/** Text fields, in characters (seed 004's columns: VARCHAR(255) and VARCHAR(700)). */
export const USERNAME_LENGTH_MAX = 255;
export const USERNAME_LENGTH_MIN = 3;
export const PASSWORD_LENGTH_MIN = 8;
export const PASSWORD_LENGTH_MAX = 1024;
export const NAME_LENGTH_MAX = 255;
export const DESCRIPTION_LENGTH_MAX = 700;

/** `input_lock_timeout`: how long a lease lasts, in seconds. */
export const LEASE_TIMEOUT_SECONDS_MIN = 1;
export const LEASE_TIMEOUT_SECONDS_MAX = 7 * 24 * 3600;

/** A WebAssembly module inside a program archive. */
export const MODULE_SIZE_BYTES_MAX = 16 * 1024 * 1024;
/** Pages of 64 KiB a module's memory may grow to (4 GiB is wasm32's own ceiling; tasks get far less). */
export const MEMORY_PAGES_MAX = 4096;
/** Fuel one task may burn: the CPU limit, counted in metered instructions. */
export const FUEL_PER_TASK_MAX = 1e15;
/** Bytes a task may write to standard output, and to its log (standard error). */
export const OUTPUT_SIZE_BYTES_MAX = 16 * 1024 * 1024;
export const LOG_SIZE_BYTES_MAX = 64 * 1024;
/** Elements a module's tables may grow to (each costs host memory, like pages). */
export const TABLE_ELEMENTS_MAX = 65_536;

/** A zero-knowledge proof a worker submits for a Noir task: UltraHonk proofs are about 15 KB. */
export const ZK_PROOF_SIZE_BYTES_MAX = 1024 * 1024;

/** A Noir task's witness (gzipped) an execute-only worker uploads: a 2^15-gate circuit's is far smaller. */
export const WITNESS_SIZE_BYTES_MAX = 8 * 1024 * 1024;
/** The same witness inflated: a witness is 32 bytes per field, and a 2^20-gate circuit needs far fewer fields. */
export const WITNESS_UNZIPPED_BYTES_MAX = 64 * 1024 * 1024;

/** Public inputs of one Noir proof: a program's parameters and return value, in field elements. */
export const PUBLIC_INPUTS_MAX = 2 * 65_536;

/** Replicas one lease request may take at once (tiny tasks go faster in batches). */
export const REPLICAS_PER_LEASE_MAX = 32;

/** A batch of submissions: its JSON body at most this large (a worker splits a larger batch). */
export const SUBMISSIONS_BODY_BYTES_MAX = 8 * 1024 * 1024;
