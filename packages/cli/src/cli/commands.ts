import type { CommandIo } from './io.ts';
import { type Arguments, COMMON_OPTIONS, type OptionSpec } from './parseArguments.ts';

/** What a command does with its arguments; its exit code: 0 done, 1 failed (2, misuse, is the parser's). */
export type CommandHandler = (args: Arguments, io: CommandIo) => Promise<number>;

/**
 * One command of the `proofgrid` line: its words, its help, its options, and its handler, loaded only when
 * it runs — so that `--help`, `--version` and every command start without loading the rest.
 */
export type CommandSpec = {
  words: readonly [string] | readonly [string, string];
  summary: string;
  /** The arguments after the words, as the usage line shows them. */
  usage: string;
  /** Longer help: what it does, what it prints, its exit codes. */
  details?: string;
  options: readonly OptionSpec[];
  /** Talks to a hub (takes `--hub`). */
  hub?: boolean;
  /** Prints data (takes `--json`). */
  json?: boolean;
  load: () => Promise<CommandHandler>;
};

const option = (name: string, value: string | undefined, description: string): OptionSpec =>
  value === undefined ? { name, type: 'boolean', description } : { name, type: 'string', value, description };

const CRS_PATH = option(
  'crs-path',
  '<dir>',
  'Aztec Ignition points for Noir (default: $PROOFGRID_CRS_PATH, $CRS_PATH, else ~/.bb-crs)',
);
const WORKER_DATA_DIR = option(
  'data-dir',
  '<dir>',
  "the worker's identity and program cache (default ./.proofgrid/worker)",
);

const NODE = option('node', '<url>', 'the node (default: $PROOFGRID_NODE, else http://127.0.0.1:8000)');
const WALLET = option(
  'wallet',
  '<file>',
  'the keystore (default: $PROOFGRID_WALLET, else wallet.json in the config folder)',
);

const PRICE = option('price', '<credits>', 'the price per task, e.g. 0.5 or 500000000nano');
const VOLUME = option('volume', '<n>', 'tasks the order may take part in (default 1000)');
const TAG = option('tag', '<a,b>', 'requirements, e.g. tee,gpu');
const MARKET_WALLET = [WALLET];

/** The market of seed 001, iExec-like: accounts, pools, orders, deals, receipts. */
const MARKET_COMMANDS: readonly CommandSpec[] = [
  {
    words: ['account', 'show'],
    summary: 'your wallet (chain) and hub account side by side: available, locked, stake, withdrawing',
    usage: '[--wallet <file>] [--node <url>]',
    options: [...MARKET_WALLET, NODE],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/account.ts')).accountShow,
  },
  {
    words: ['account', 'link'],
    summary:
      'links your wallet to your hub account: it signs your orders, deposits come from it, withdrawals go to it',
    usage: '[--wallet <file>]',
    options: [...MARKET_WALLET],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/account.ts')).accountLink,
  },
  {
    words: ['account', 'deposit'],
    summary:
      "sends coins from your wallet to the hub's deposit address; credited after the hub's confirmations",
    usage: '<amount> [--wait] [--timeout 300] [--wallet <file>] [--node <url>]',
    options: [
      ...MARKET_WALLET,
      NODE,
      option('wait', undefined, 'wait until the hub credits it'),
      option('timeout', '<seconds>', 'how long --wait waits'),
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/account.ts')).accountDeposit,
  },
  {
    words: ['account', 'withdraw'],
    summary: 'the hub sends credits back to your linked wallet as a chain transfer (fee 0.001 coin)',
    usage: '<amount> [--wait] [--timeout 300]',
    options: [
      option('wait', undefined, 'wait until the transfer is confirmed'),
      option('timeout', '<seconds>', 'how long --wait waits'),
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/account.ts')).accountWithdraw,
  },
  {
    words: ['account', 'faucet'],
    summary: 'local test credits, only on a hub without a chain',
    usage: '<amount>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/account.ts')).accountFaucet,
  },
  {
    words: ['category', 'show'],
    summary: "the categories: each one's time reference and deadlines",
    usage: '',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/account.ts')).categoryShow,
  },
  {
    words: ['program', 'publish'],
    summary: 'publishes a signed program order: your price per task',
    usage:
      '<program> --price <credits> [--volume n] [--tag a,b] [--pool-restrict <id>] [--requester-restrict <id>]',
    options: [
      PRICE,
      VOLUME,
      TAG,
      option('pool-restrict', '<id>', 'only this pool'),
      option('requester-restrict', '<id>', 'only this requester'),
      ...MARKET_WALLET,
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/orders.ts')).programPublish,
  },
  {
    words: ['pool', 'create'],
    summary: 'creates a workerpool you manage',
    usage: '--name <n> [--description <text>] [--worker-share 70]',
    options: [
      option('name', '<n>', 'its name'),
      option('description', '<text>', 'what it offers'),
      option('worker-share', '<percent>', "the workers' share of its price (default 70)"),
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/orders.ts')).poolCreate,
  },
  {
    words: ['pool', 'show'],
    summary: 'a workerpool, its manager and its workers',
    usage: '<pool id>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/orders.ts')).poolShow,
  },
  {
    words: ['pool', 'publish'],
    summary: "publishes a signed pool order: your workers' capacity at a price, in a category, up to a trust",
    usage: '<pool id> --price <credits> [--category XS] [--trust 1] [--volume n] [--tag a,b]',
    options: [
      PRICE,
      VOLUME,
      TAG,
      option('category', '<name>', 'see `category show` (default XS)'),
      option('trust', '<n>', 'the highest trust it serves (default 1)'),
      option('program-restrict', '<id>', 'only this program'),
      option('requester-restrict', '<id>', 'only this requester'),
      ...MARKET_WALLET,
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/orders.ts')).poolPublish,
  },
  {
    words: ['orderbook', 'show'],
    summary: 'live orders, cheapest first: id, price, pool, category, trust, timestamp',
    usage: '[--kind pool|program|request] [--category XS] [--tag a,b] [--min-trust n] [--program <id>]',
    options: [
      option('kind', '<kind>', 'pool (default), program or request'),
      option('category', '<name>', 'only this category'),
      TAG,
      option('min-trust', '<n>', 'only orders serving at least this trust'),
      option('program', '<id>', 'only orders of this program'),
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/orders.ts')).orderbookShow,
  },
  {
    words: ['order', 'show'],
    summary: 'one order: what it says, who signed it, what is left of it',
    usage: '<order hash>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/orders.ts')).orderShow,
  },
  {
    words: ['order', 'cancel'],
    summary: 'cancels one of your orders (deals already made stand)',
    usage: '<order hash>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/orders.ts')).orderCancel,
  },
  {
    words: ['order', 'fill'],
    summary: 'signs a request for your inputs and fills it with the pool order named: a deal',
    usage:
      '--pool-order <hash> --program <p> --inputs <dir> [--program-order <hash>] [--category XS] [--trust 1] [--max-price <credits>] [--watch]',
    options: [
      option('pool-order', '<hash>', 'the pool order to fill'),
      option('program-order', '<hash>', 'the program order (default: the cheapest)'),
      ...REQUEST_OPTIONS(),
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/orders.ts')).orderFill,
  },
  {
    words: ['run'],
    summary:
      'runs a program on a folder of inputs through the market: finds and fills the cheapest orders that fit (`iexec app run`)',
    usage:
      '<program> --inputs <dir> [--category XS] [--trust 1] [--max-price <credits>] [--tag a,b] [--watch [--download <dir>]]',
    details:
      'Each file of the folder is one task (a CSV of base64 values, as `input upload` takes). A refusal names every price, trust, tag or volume that did not fit.',
    options: REQUEST_OPTIONS(),
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/orders.ts')).run,
  },
  {
    words: ['auction', 'show'],
    summary: 'your auction: its price now, its deal once a pool locked it, and why not yet',
    usage: '<auction id>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/orders.ts')).auctionShow,
  },
  {
    words: ['deal', 'show'],
    summary: 'a deal you are party to and its tasks; --watch follows it until every task is settled',
    usage: '<deal id> [--watch [--download <dir>]]',
    options: [
      option('watch', undefined, 'follow it until every task is settled'),
      option('download', '<dir>', 'with --watch: save the verified outputs'),
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/deals.ts')).dealShow,
  },
  {
    words: ['task', 'claim'],
    summary: "claims a deal task past its final deadline: refunded in full, the pool's stake seized",
    usage: '<deal task id>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/deals.ts')).taskClaim,
  },
  {
    words: ['receipt', 'show'],
    summary: "a hub's signed receipt with its Merkle path and anchor; --out saves it for `receipt verify`",
    usage: '<n> [--out <file>]',
    options: [option('out', '<file>', 'save it to check offline')],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/deals.ts')).receiptShow,
  },
  {
    words: ['receipt', 'verify'],
    summary:
      "checks a receipt offline: the hub's signature and its Merkle path to the anchored root (--node: the root on chain)",
    usage: '<file> (--hub-key <hex> | --hub <url>) [--node <url>]',
    options: [option('hub-key', '<hex>', "the hub's key (else asked of the hub)"), NODE],
    hub: true,
    json: true,
    load: async () => (await import('../commands/market/deals.ts')).receiptVerify,
  },
];

function REQUEST_OPTIONS(): OptionSpec[] {
  return [
    option('inputs', '<dir>', 'a folder of input files, one per task'),
    option('category', '<name>', 'see `category show` (default XS)'),
    option('trust', '<n>', 'how sure the result must be: 1 takes the first result (default 1)'),
    option('max-price', '<credits>', "the most a pool's price per task may be (default: any)"),
    option('max-program-price', '<credits>', "the most the program's price per task may be (default: any)"),
    option('pool', '<id>', 'only this pool'),
    TAG,
    option('params', '<text>', 'passed on with the deal'),
    option('watch', undefined, 'follow the deal until every task is settled'),
    option('download', '<dir>', 'with --watch: save the verified outputs'),
    option(
      'auction',
      undefined,
      'a reverse-Dutch auction: the pool price rises from --min-price to --max-price until a pool takes it',
    ),
    option('min-price', '<credits>', 'with --auction: the starting price (default 0)'),
    option('ramp', '<seconds>', 'with --auction: how long the price takes to rise (default 60)'),
    option(
      'lock-timeout',
      '<seconds>',
      'with --auction: the pool that takes it must deliver by then, or its stake is seized and the tasks open to every pool (default 600)',
    ),
    ...MARKET_WALLET,
  ];
}

/** Every command, in the order `proofgrid --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    words: ['demo'],
    summary: 'a hub, a local worker and the primality example run to verified results (what npm start runs)',
    usage: '[--port 8080] [--data-dir ./.proofgrid]',
    details:
      'Keeps the hub and the worker running until Ctrl-C. Results are saved under <data-dir>/results/.',
    options: [
      option('port', '<port>', 'TCP port of the hub (0 picks a free one)'),
      option('data-dir', '<dir>', 'where everything is kept'),
    ],
    load: async () => (await import('../commands/demo.ts')).demo,
  },
  {
    words: ['hub', 'start'],
    summary: 'runs a hub in the foreground; stops cleanly on Ctrl-C or SIGTERM',
    usage:
      '[--port 8080] [--host 127.0.0.1] [--data-dir ./.proofgrid/hub] [--database-url postgres://…] [--log-level warn] [--crs-path <dir>] [--blob-grace-seconds 600] [--chain <node url> [--confirmations 3]] [--category NAME=SECONDS]… [--audit-percent 5]',
    details:
      'Flags win over the environment (PROOFGRID_PORT, PROOFGRID_HOST, PROOFGRID_DATA_DIR, DATABASE_URL, PROOFGRID_LOG_LEVEL, PROOFGRID_BLOB_GRACE_SECONDS), which wins over the defaults.',
    options: [
      option('port', '<port>', 'TCP port (0 picks a free one; the URL is printed)'),
      option('host', '<address>', 'address to listen on (0.0.0.0 to serve other machines)'),
      option('data-dir', '<dir>', 'blobs, and without a database URL the embedded PGlite database'),
      option('database-url', '<url>', 'a PostgreSQL server instead of embedded PGlite'),
      option('log-level', '<level>', 'fatal, error, warn, info, debug, trace or silent'),
      CRS_PATH,
      option(
        'blob-grace-seconds',
        '<seconds>',
        'how long a released blob is kept before it is deleted (default 600)',
      ),
      option(
        'chain',
        '<node url>',
        'a Proof-of-Training node: deposits, withdrawals and receipt anchors (without it: a faucet of local credits)',
      ),
      option('confirmations', '<n>', 'blocks on top of a deposit before it is credited (default 3)'),
      {
        ...option('category', '<NAME=SECONDS>', 'adds (or redefines) a category and its time reference'),
        multiple: true,
      },
      option(
        'audit-percent',
        '<0..100>',
        'share of lone trusted results checked by a second replica (default 5)',
      ),
      option('anchor-seconds', '<seconds>', 'how often receipts are anchored (default 10)'),
    ],
    load: async () => (await import('../commands/hub.ts')).hubStart,
  },
  {
    words: ['account', 'register'],
    summary: "creates an organization's account",
    usage: '--username <u> --name <organization name> [--description <text>] [--password <p>]',
    details:
      'A password not given with --password or PROOFGRID_PASSWORD is asked for (or read from standard input).',
    options: [
      option('username', '<u>', 'the login name'),
      option('name', '<name>', "the organization's public name"),
      option('description', '<text>', "the organization's description"),
      option('password', '<p>', 'the password (better: type it when asked)'),
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/account.ts')).accountRegister,
  },
  {
    words: ['account', 'login'],
    summary: 'logs in; the tokens are kept per hub URL, private to you',
    usage: '--username <u> [--password <p>]',
    options: [
      option('username', '<u>', 'the login name'),
      option('password', '<p>', 'the password (better: type it when asked)'),
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/account.ts')).accountLogin,
  },
  {
    words: ['account', 'logout'],
    summary: 'revokes the session on the hub and forgets its tokens',
    usage: '',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/account.ts')).accountLogout,
  },
  {
    words: ['org', 'list'],
    summary: 'lists organizations',
    usage: '[--name-filter <prefix>] [--limit 1..50] [--page N]',
    options: [
      option('name-filter', '<prefix>', 'only names starting with this'),
      option('limit', '<1..50>', 'organizations per page'),
      option('page', '<N>', 'the page, from 1'),
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/org.ts')).orgList,
  },
  {
    words: ['program', 'init'],
    summary: 'writes a starter program to a new folder: AssemblyScript, or a Noir project',
    usage: '<dir> [--runtime wasm|noir]',
    options: [option('runtime', '<wasm|noir>', 'the kind of program (default wasm)')],
    load: async () => (await import('../commands/programSource.ts')).programInit,
  },
  {
    words: ['program', 'build'],
    summary: 'compiles a program folder (AssemblyScript or Noir) and runs the hub’s checks on it',
    usage: '<dir> [--crs-path <dir>]',
    options: [CRS_PATH],
    load: async () => (await import('../commands/programSource.ts')).programBuild,
  },
  {
    words: ['program', 'upload'],
    summary: 'uploads a program (a folder is packed as a tar, without node_modules and .git)',
    usage: '<dir|tar> --name <n> [--description <text>] [--timeout 300]',
    options: [
      option('name', '<n>', 'its name, unique among your programs'),
      option('description', '<text>', 'what it does'),
      option('timeout', '<seconds>', 'how long a lease on one of its tasks lasts (default 300)'),
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/program.ts')).programUpload,
  },
  {
    words: ['program', 'list'],
    summary: 'lists your programs',
    usage: '',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/program.ts')).programList,
  },
  {
    words: ['program', 'show'],
    summary: 'shows a program (by id or name) and how its tasks stand',
    usage: '<program>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/program.ts')).programShow,
  },
  {
    words: ['program', 'delete'],
    summary: 'deletes a program with its input groups and results',
    usage: '<program>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/program.ts')).programDelete,
  },
  {
    words: ['input', 'upload'],
    summary: 'uploads input groups: one per CSV file (a Noir program also takes Prover.toml or JSON)',
    usage: '<program> <file|folder>',
    details:
      'A CSV has one base64 value per row, no header. A folder uploads every .csv in it, named after the file.',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/input.ts')).inputUpload,
  },
  {
    words: ['input', 'add'],
    summary: 'adds one input group from values given on the command line, in order: no base64 by hand',
    usage:
      '<program> <group name> [--u32 N] [--u64 N] [--text S] [--hex H] [--json-value J] [--file PATH] … [--lines FILE --as u32|u64|text]',
    details:
      'Each value option may be repeated; the values go in the order given. Numbers are written big-endian (as seed 004 and Noir read them), text as UTF-8, --file adds a file’s bytes as one value, --lines adds one value per line of a file.',
    options: [
      {
        name: 'u32',
        type: 'string',
        multiple: true,
        value: '<N>',
        description: 'an unsigned 32-bit number (4 bytes)',
      },
      {
        name: 'u64',
        type: 'string',
        multiple: true,
        value: '<N>',
        description: 'an unsigned 64-bit number (8 bytes)',
      },
      { name: 'text', type: 'string', multiple: true, value: '<S>', description: 'text, as UTF-8' },
      { name: 'hex', type: 'string', multiple: true, value: '<H>', description: 'bytes in hexadecimal' },
      {
        name: 'json-value',
        type: 'string',
        multiple: true,
        value: '<J>',
        description: 'a JSON value (a Noir array or struct)',
      },
      { name: 'file', type: 'string', multiple: true, value: '<path>', description: "a file's bytes" },
      {
        name: 'lines',
        type: 'string',
        value: '<file>',
        description: 'one value per non-empty line of a file',
      },
      {
        name: 'as',
        type: 'string',
        value: '<u32|u64|text>',
        description: 'how --lines values are written (default text)',
      },
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/input.ts')).inputAdd,
  },
  {
    words: ['input', 'list'],
    summary: "lists a program's input groups and their tasks' states",
    usage: '<program>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/input.ts')).inputList,
  },
  {
    words: ['input', 'delete'],
    summary: 'deletes an input group (by id or name) with its task and results',
    usage: '<program> <group>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/input.ts')).inputDelete,
  },
  {
    words: ['job', 'watch'],
    summary: 'follows a program’s tasks until every one is verified, failed or cancelled',
    usage: '<program> [--timeout 3600]',
    details:
      'On a terminal one line redraws itself; otherwise a line is printed per change (with --json, a JSON object per line). Says why open tasks are not running when it knows. Exit code 0 when every task is verified, 1 when any failed or was cancelled.',
    options: [option('timeout', '<seconds>', 'give up after this long (default 3600)')],
    hub: true,
    json: true,
    load: async () => (await import('../commands/job.ts')).jobWatch,
  },
  {
    words: ['job', 'cancel'],
    summary: 'cancels every unfinished task of a program; running workers stop at their next heartbeat',
    usage: '<program>',
    options: [],
    hub: true,
    json: true,
    load: async () => (await import('../commands/job.ts')).jobCancel,
  },
  {
    words: ['task', 'list'],
    summary: "lists a program's tasks with their states, fuel and failure reasons",
    usage: '<program> [--state open|proven|verified|confirmed|failed|cancelled]',
    options: [option('state', '<state>', 'only tasks in this state')],
    hub: true,
    json: true,
    load: async () => (await import('../commands/task.ts')).taskList,
  },
  {
    words: ['task', 'show'],
    summary:
      'one task: state, replicas and their workers, fuel, exit code, log, failure, history, why it waits',
    usage: '<program> <group> | <deal task id> [--watch] [--download <file>]',
    details:
      'With one argument, a deal task of the market: its replicas and judgements, every payment and seizure with why, its receipts, and why it waits.',
    options: [
      option('watch', undefined, 'a deal task: follow it until it is settled'),
      option('download', '<file>', 'a deal task: save its verified output (you are its requester)'),
    ],
    hub: true,
    json: true,
    load: async () => async (args, io) =>
      args.positionals.length === 1 &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(args.positionals[0] ?? '')
        ? (await import('../commands/market/deals.ts')).marketTaskShow(args, io, args.one('a deal task id'))
        : (await import('../commands/task.ts')).taskShow(args, io),
  },
  {
    words: ['task', 'retry'],
    summary: 'runs a failed or cancelled task again, as a new attempt (or all of them with --failed)',
    usage: '<program> (<group> | --failed)',
    options: [option('failed', undefined, 'retry every failed task of the program')],
    hub: true,
    json: true,
    load: async () => (await import('../commands/task.ts')).taskRetry,
  },
  {
    words: ['results', 'download'],
    summary: 'saves every task’s result: <dir>/<group>/output and verdict.json (failed tasks: their reason)',
    usage: '<program> --out <dir>',
    options: [option('out', '<dir>', 'the folder to write to')],
    hub: true,
    json: true,
    load: async () => (await import('../commands/results.ts')).resultsDownload,
  },
  {
    words: ['proof', 'verify'],
    summary: "verifies a Noir program's proofs on this machine, trusting nothing from the hub",
    usage: '<program> (--all | --group <id>) [--out <dir>] [--crs-path <dir>]',
    details:
      'A proof that verifies is confirmed; one that does not verify is rejected and its task queued again. A proof that cannot be checked here (no CRS, a verifier failure) is neither: it is reported, and the exit code is 1.',
    options: [
      option('all', undefined, 'every verified task'),
      option('group', '<id>', 'one task, by its input group'),
      option('out', '<dir>', 'also write output.json, proof and public_inputs.json per group'),
      CRS_PATH,
    ],
    hub: true,
    json: true,
    load: async () => (await import('../commands/proof.ts')).proofVerify,
  },
  {
    words: ['worker', 'start'],
    summary: 'donates this machine: runs tasks within your limits until Ctrl-C',
    usage:
      '[--data-dir ./.proofgrid/worker] [--name <n>] [--account] [--pool <id>] [--cpus 1] [--max-memory <size>] [--only-when-idle [--idle-threshold 25]] [--fuel-per-second 500000000] [--seconds-available 3600] [--tasks N] [--crs-path <dir>] [--execute-only | --prove-only]',
    details:
      'kill -USR1 <pid> pauses a running worker, kill -USR2 <pid> resumes it; SIGINT and SIGTERM stop it after giving its leases back.',
    options: [
      WORKER_DATA_DIR,
      option('name', '<n>', 'how the hub names this worker (default: the host name)'),
      option('account', undefined, 'link the worker to the account logged in to this hub'),
      option('pool', '<id>', 'join a workerpool (implies --account: the account stakes and is paid)'),
      option('cpus', '<n>', 'cores to use, 0.001 up to the machine’s (fractions by duty cycle)'),
      option('max-memory', '<size>', 'guest memory of all running tasks together, e.g. 512M or 2G'),
      option('only-when-idle', undefined, 'pause while other programs keep the CPU busy'),
      option('idle-threshold', '<percent>', 'with --only-when-idle: the busy share that pauses (default 25)'),
      option('fuel-per-second', '<fuel>', 'the speed of one full core, in fuel (default 500000000)'),
      option('seconds-available', '<seconds>', 'the longest task to take, in time (default 3600)'),
      option('tasks', '<N>', 'stop after N tasks'),
      CRS_PATH,
      option('execute-only', undefined, 'Noir tasks: execute and hand the witness to other workers'),
      option('prove-only', undefined, 'Noir tasks: prove the witnesses other workers handed off'),
    ],
    hub: true,
    load: async () => (await import('../commands/workerStart.ts')).workerStart,
  },
  {
    words: ['worker', 'status'],
    summary: "this machine's worker as the hub knows it: its account, reputation and last contact",
    usage: '[--data-dir ./.proofgrid/worker]',
    options: [WORKER_DATA_DIR],
    hub: true,
    json: true,
    load: async () => (await import('../commands/worker.ts')).workerStatus,
  },
  {
    words: ['chain', 'simulate'],
    summary:
      "seed 003's Proof-of-Training network simulated: real training, a seeded clock and network, attacks",
    usage:
      '[--nodes 11] [--target-length 6] [--poisoners 0] [--seed 42] [--log pot_sim.log] [--users 10] [--transactions 100] [--stakeholders 3] [--employer-confidence 3] [--drop-rate 0] [--delay-ms 20-200] [--partition <from>-<to>]… [--crash <node>:<from>-<to>]… [--poison flip-labels] [--fast-lottery] [--max-time 3600]',
    details: [
      'Nodes train MNIST stages with the real train runtime and race for blocks; users issue transfers and sign',
      'or wrap blocks when follow-the-coin draws them; every node re-executes each stage before it accepts a',
      'block. Everything else — clock, message delays, drops, partitions, crashes — is simulated from --seed, so',
      'a seed is a scenario: the same seed gives the same log, line for line. Times are seconds of simulated',
      "time. The log uses the seed's format, [time][name][LEVEL]: message: INFO (what the network sees) goes to",
      'the console and the file, DEBUG (what a node alone knows) to the file. Exit 0 when every honest node',
      'ends on the same tip at the target length, 1 when not (a stall is reported, not hidden).',
    ].join(' '),
    options: [
      option('nodes', '<n>', "nodes that train and mine (the seed's employees)"),
      option('target-length', '<n>', 'blocks after the genesis at which the simulation ends'),
      option('poisoners', '<n>', 'how many of the nodes (the last ones) poison their stages'),
      option('seed', '<seed>', 'the scenario: keys, balances, delays, drops, transfers'),
      option('log', '<file>', 'where the whole log goes (INFO and DEBUG)'),
      option('users', '<n>', 'light participants that hold coins and issue the transfers'),
      option('stakeholders', '<n>', 'signers drawn per block, the last of whom wraps it (default 3)'),
      option(
        'employer-confidence',
        '<n>',
        'declarations a header must carry (default 3, or every node when there are fewer)',
      ),
      option('transactions', '<n>', 'transfers the users try in the first 10 seconds'),
      option('drop-rate', '<p>', 'chance that a message is lost, 0 to 0.5'),
      option('delay-ms', '<min>-<max>', 'each message takes this long, drawn uniformly'),
      {
        ...option(
          'partition',
          '<from>-<to>',
          'the first half of the nodes and users is cut off from the rest',
        ),
        multiple: true,
      },
      {
        ...option('crash', '<node>:<from>-<to>', 'node n is down (and forgets all but its keys), then back'),
        multiple: true,
      },
      option('poison', '<kind>', 'flip-labels or append-mislabeled'),
      option(
        'fast-lottery',
        undefined,
        "one lottery ticket in two wins (the seed's stakes: 1 in 16 and 1 in 32)",
      ),
      option('max-time', '<seconds>', 'simulated time after which a run that has not converged stops'),
    ],
    json: true,
    load: async () => (await import('../commands/chain.ts')).chainSimulate,
  },
  {
    words: ['node', 'start'],
    summary: "runs a Proof-of-Training node (CurveTime's API, libp2p gossip) in the foreground until Ctrl-C",
    usage:
      '[--port 8000] [--data-dir ./.proofgrid/node] [--peer <url>]… [--train|--no-train] [--genesis <file>] [--host 127.0.0.1] [--p2p-port <port+1000>] [--poison <kind>] [--verbose]',
    details: [
      "Serves CurveTime's node API on --port (/node/chain, /node/transaction, /register_with …), the explorer,",
      '/health, /metrics and /openapi.json, and speaks libp2p (TCP, Noise, Yamux, gossipsub) on --p2p-port.',
      'Blocks, pending transactions and peers are kept in --data-dir and re-verified (stages re-executed) at',
      'every start. Without --genesis the node joins the embedded dev network, where ports 8000–8002 mine',
      "with the dev keys 0–2. --peer registers with a running node as CurveTime's register_with does.",
      '--poison trains corrupted stages, to test that a network refuses them.',
    ].join(' '),
    options: [
      option('port', '<port>', 'HTTP port (0 picks a free one)'),
      option('host', '<address>', 'address to listen on, HTTP and libp2p'),
      option('p2p-port', '<port>', 'libp2p TCP port (default: HTTP port + 1000)'),
      option('data-dir', '<dir>', 'blocks, mempool, peers and the node key'),
      { ...option('peer', '<url>', "a node's URL to register with at start"), multiple: true },
      option('train', undefined, 'train stages and mine (the default)'),
      option('no-train', undefined, 'verify and relay only'),
      option('genesis', '<file>', "a network's genesis (from `proofgrid node genesis`)"),
      option('poison', '<kind>', 'flip-labels or append-mislabeled: train poisoned stages (for tests)'),
      option('verbose', undefined, 'also print the DEBUG log'),
    ],
    load: async () => (await import('../commands/node.ts')).nodeStart,
  },
  {
    words: ['node', 'key'],
    summary: "prints the node's address (making its key on first use), to list in a genesis",
    usage: '[--data-dir ./.proofgrid/node]',
    options: [option('data-dir', '<dir>', "the node's data directory")],
    json: true,
    load: async () => (await import('../commands/node.ts')).nodeKey,
  },
  {
    words: ['node', 'genesis'],
    summary: "writes a new network's genesis: the dev network's rules with your allocations",
    usage:
      '[--allocate <address>=<coins>]… [--network-id proofgrid-local] [--employer-confidence 2] [--stakeholders 2] [--try-interval-ms 250] [--out genesis.json]',
    options: [
      { ...option('allocate', '<address>=<coins>', 'coins an address holds at genesis'), multiple: true },
      option('network-id', '<id>', "the network's name (its gossip topics carry it)"),
      option('employer-confidence', '<n>', 'declarations a header must carry'),
      option('stakeholders', '<n>', 'signers drawn per block, the last wraps it'),
      option('try-interval-ms', '<ms>', 'one lottery ticket per this many milliseconds'),
      option('out', '<file>', 'write it here (never over an existing file) instead of printing it'),
    ],
    load: async () => (await import('../commands/node.ts')).nodeGenesis,
  },
  {
    words: ['wallet', 'create'],
    summary: 'makes an Ed25519 key in an encrypted keystore (scrypt, AES-GCM, mode 0600)',
    usage: '[--wallet <file>] [--dev-key <0-2>]',
    details:
      'The passphrase is asked for, or read from $PROOFGRID_WALLET_PASSPHRASE. The wallet lives in the config folder unless --wallet (or $PROOFGRID_WALLET) names another file. --dev-key imports a dev network key (its secret is public).',
    options: [WALLET, option('dev-key', '<i>', 'import dev key i of the embedded dev network')],
    json: true,
    load: async () => (await import('../commands/wallet.ts')).walletCreate,
  },
  {
    words: ['wallet', 'show'],
    summary: "prints the wallet's address and its balance as the chain sees it",
    usage: '[--wallet <file>] [--node <url>]',
    options: [WALLET, NODE],
    json: true,
    load: async () => (await import('../commands/wallet.ts')).walletShow,
  },
  {
    words: ['wallet', 'send'],
    summary: 'signs a transfer (next nonce, a fee) and sends it to a node',
    usage:
      '--to <address> --amount <coins> [--fee 0.001] [--wait] [--timeout 120] [--wallet <file>] [--node <url>]',
    options: [
      option('to', '<address>', 'the receiver (64 hex characters)'),
      option('amount', '<coins>', 'coins to send, up to 6 decimals'),
      option('fee', '<coins>', "paid to the block's wrapper (default 0.001)"),
      option('wait', undefined, 'wait until a block holds it'),
      option('timeout', '<seconds>', 'how long --wait waits (default 120)'),
      WALLET,
      NODE,
    ],
    json: true,
    load: async () => (await import('../commands/wallet.ts')).walletSend,
  },
  {
    words: ['chain', 'commit'],
    summary: 'puts a label and a 32-byte hash on chain (a commitment transaction from the wallet)',
    usage: '--label <label> --hash <64 hex> [--fee 0.001] [--wait] [--wallet <file>] [--node <url>]',
    options: [
      option('label', '<label>', 'what is committed: 1–64 of a-z 0-9 . _ : / -'),
      option('hash', '<hex>', 'the 32-byte hash, as 64 lowercase hex characters'),
      option('fee', '<coins>', "paid to the block's wrapper (default 0.001)"),
      option('wait', undefined, 'wait until a block holds it'),
      option('timeout', '<seconds>', 'how long --wait waits (default 120)'),
      WALLET,
      NODE,
    ],
    json: true,
    load: async () => (await import('../commands/wallet.ts')).chainCommit,
  },
  {
    words: ['train', 'submit'],
    summary: 'puts a training job on chain; nodes train its stages as their mining work',
    usage: '--spec <job.json> [--reward <coins>] [--fee 0.001] [--wait] [--wallet <file>] [--node <url>]',
    details:
      "The spec is a TrainingSpec (layers, optimizer, seed, samplesPerStage, stages; start from the README's example). The reward is escrowed from the wallet and paid stage by stage to the authors of the blocks that train it. Jobs are trained one after the other, in the order the chain holds them; with none queued, nodes train the network's default MNIST job.",
    options: [
      option('spec', '<file>', 'the training job (JSON)'),
      option('reward', '<coins>', 'escrowed for the miners of its stages (default 0)'),
      option('fee', '<coins>', "paid to the block's wrapper (default 0.001)"),
      option('wait', undefined, 'wait until a block holds it'),
      option('timeout', '<seconds>', 'how long --wait waits (default 120)'),
      WALLET,
      NODE,
    ],
    json: true,
    load: async () => (await import('../commands/train.ts')).trainSubmit,
  },
  {
    words: ['train', 'status'],
    summary: "a job's stages done and its model's test accuracy",
    usage: '<job> [--watch] [--node <url>]',
    options: [option('watch', undefined, 'follow it until it finishes'), NODE],
    json: true,
    load: async () => (await import('../commands/train.ts')).trainStatus,
  },
  {
    words: ['train', 'download'],
    summary: "fetches a job's checkpoint from a node, checks it against the chain, prints its accuracy",
    usage: '<job> --out <dir> [--node <url>]',
    options: [option('out', '<dir>', 'where model.ckpt and job.json are written'), NODE],
    json: true,
    load: async () => (await import('../commands/train.ts')).trainDownload,
  },
  {
    words: ['chain', 'show'],
    summary: "a node's network, tip and latest blocks",
    usage: '[--limit 10] [--node <url>]',
    options: [option('limit', '<n>', 'blocks listed (1–100)'), NODE],
    json: true,
    load: async () => (await import('../commands/explorer.ts')).chainShow,
  },
  {
    words: ['block', 'show'],
    summary: 'one block, by height or hash',
    usage: '<n|hash> [--node <url>]',
    options: [NODE],
    json: true,
    load: async () => (await import('../commands/explorer.ts')).blockShow,
  },
  {
    words: ['tx', 'show'],
    summary: 'one transaction: pending, or in which block',
    usage: '<hash> [--node <url>]',
    options: [NODE],
    json: true,
    load: async () => (await import('../commands/explorer.ts')).txShow,
  },
  ...MARKET_COMMANDS,
];

/** The options a command takes: its own, then the common ones it qualifies for. */
export function optionsOf(spec: CommandSpec): OptionSpec[] {
  return [
    ...spec.options,
    ...(spec.hub ? [COMMON_OPTIONS.hub] : []),
    ...(spec.json ? [COMMON_OPTIONS.json] : []),
    COMMON_OPTIONS.help,
  ];
}

export function nameOf(spec: CommandSpec): string {
  return spec.words.join(' ');
}
