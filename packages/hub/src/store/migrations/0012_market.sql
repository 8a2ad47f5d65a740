-- The market of seed 001: a double-entry ledger of credits, wallets linked to accounts, workerpools, signed
-- orders, deals whose tasks run on their pool's workers, settlements at verdicts, and receipts in a Merkle log.

-- Ledger accounts: one per organization, and the system's own (the chain bridge, the faucet, escrow, stakes,
-- the kitty of seized stakes). Only the bridge and the faucet, where credits enter, may go below zero.
CREATE TABLE ledger_account (
  ledger_account_id text PRIMARY KEY,
  organization_id uuid UNIQUE REFERENCES account ON DELETE RESTRICT,
  may_go_negative boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);
INSERT INTO ledger_account (ledger_account_id, may_go_negative, created_at) VALUES
  ('system:bridge', true, now()), ('system:faucet', true, now()), ('system:escrow', false, now()),
  ('system:stakes', false, now()), ('system:kitty', false, now());

-- Transfers (TigerBeetle's model): immutable. A `pending` transfer reserves its amount on the debit side; a
-- later `post_pending` or `void_pending` row resolves it, once (the unique index); balances are sums.
CREATE TABLE ledger_transfer (
  transfer_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  debit_account text NOT NULL REFERENCES ledger_account,
  credit_account text NOT NULL REFERENCES ledger_account,
  amount bigint NOT NULL CHECK (amount > 0),
  flag text NOT NULL CHECK (flag IN ('posted', 'pending', 'post_pending', 'void_pending')),
  pending_id bigint REFERENCES ledger_transfer,
  code text NOT NULL,
  reason text NOT NULL,
  deal_id uuid,
  task_id uuid,
  judgement_id bigint,
  replica_id uuid,
  chain_tx text,
  created_at timestamptz NOT NULL,
  CHECK (debit_account <> credit_account),
  CHECK ((pending_id IS NULL) = (flag IN ('posted', 'pending')))
);
CREATE UNIQUE INDEX ledger_transfer_resolved_once ON ledger_transfer (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX ledger_transfer_debit ON ledger_transfer (debit_account, flag);
CREATE INDEX ledger_transfer_credit ON ledger_transfer (credit_account, flag);
CREATE INDEX ledger_transfer_task ON ledger_transfer (task_id) WHERE task_id IS NOT NULL;
-- A chain deposit is credited once, whatever happens.
CREATE UNIQUE INDEX ledger_transfer_deposit_once ON ledger_transfer (chain_tx) WHERE code = 'deposit';

-- Each transfer also appends the balances it leaves on its two accounts (what a TigerBeetle account holds),
-- so reading a balance is one index lookup however long the account's history; `checkLedger` re-derives
-- every one of them from the transfers.
CREATE TABLE ledger_balance (
  ledger_account_id text NOT NULL REFERENCES ledger_account,
  transfer_id bigint NOT NULL REFERENCES ledger_transfer,
  posted bigint NOT NULL,
  locked bigint NOT NULL CHECK (locked >= 0),
  stake bigint NOT NULL CHECK (stake >= 0),
  withdrawing bigint NOT NULL CHECK (withdrawing >= 0),
  incoming bigint NOT NULL CHECK (incoming >= 0),
  PRIMARY KEY (ledger_account_id, transfer_id)
);

CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are immutable: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER ledger_transfer_append_only BEFORE UPDATE OR DELETE ON ledger_transfer
  FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
CREATE TRIGGER ledger_balance_append_only BEFORE UPDATE OR DELETE ON ledger_balance
  FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();

-- The wallet (chain address = Ed25519 public key) an organization proved it holds: it signs its orders,
-- its deposits come from it, its withdrawals go to it.
CREATE TABLE wallet_link (
  organization_id uuid PRIMARY KEY REFERENCES account ON DELETE CASCADE,
  address text NOT NULL UNIQUE,
  linked_at timestamptz NOT NULL
);

CREATE TABLE pool (
  pool_id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES account ON DELETE RESTRICT,
  name text NOT NULL,
  description text NOT NULL,
  worker_share_percent integer NOT NULL CHECK (worker_share_percent BETWEEN 0 AND 100),
  created_at timestamptz NOT NULL
);
CREATE TABLE pool_member (
  pool_id uuid NOT NULL REFERENCES pool ON DELETE CASCADE,
  worker_id uuid NOT NULL REFERENCES worker ON DELETE CASCADE,
  joined_at timestamptz NOT NULL,
  PRIMARY KEY (pool_id, worker_id)
);
CREATE INDEX pool_member_worker ON pool_member (worker_id);

CREATE TABLE market_order (
  order_hash text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('program', 'pool', 'request')),
  organization_id uuid NOT NULL REFERENCES account ON DELETE CASCADE,
  program_id uuid,
  pool_id uuid,
  category text,
  trust integer,
  price bigint,
  tag text[] NOT NULL,
  volume integer NOT NULL CHECK (volume > 0),
  consumed integer NOT NULL DEFAULT 0,
  signed jsonb NOT NULL,
  published_at timestamptz NOT NULL,
  cancelled_at timestamptz,
  CHECK (consumed BETWEEN 0 AND volume)
);
CREATE INDEX market_order_book ON market_order (kind, category, price, published_at)
  WHERE cancelled_at IS NULL AND consumed < volume;

CREATE TABLE deal (
  deal_id uuid PRIMARY KEY,
  request_hash text NOT NULL REFERENCES market_order,
  program_order_hash text NOT NULL REFERENCES market_order,
  pool_order_hash text NOT NULL REFERENCES market_order,
  program_id uuid NOT NULL REFERENCES program ON DELETE RESTRICT,
  pool_id uuid NOT NULL REFERENCES pool,
  requester_id uuid NOT NULL REFERENCES account,
  program_owner_id uuid NOT NULL REFERENCES account,
  pool_owner_id uuid NOT NULL REFERENCES account,
  category text NOT NULL,
  trust integer NOT NULL,
  tag text[] NOT NULL,
  program_price bigint NOT NULL,
  pool_price bigint NOT NULL,
  pool_stake bigint NOT NULL,
  worker_stake bigint NOT NULL,
  worker_share_percent integer NOT NULL,
  volume integer NOT NULL,
  params text NOT NULL,
  created_at timestamptz NOT NULL,
  contribution_deadline timestamptz NOT NULL,
  final_deadline timestamptz NOT NULL
);
CREATE INDEX deal_requester ON deal (requester_id, created_at);

-- A request run as a reverse-Dutch auction (Boundless): its price rises from a minimum to the request's
-- maximum over a ramp until a pool's order is reached and the deal is made (the pool "locks" it at its
-- price); the locker must deliver within the lock timeout or its stake is seized and the task reopened to
-- every pool.
CREATE TABLE auction (
  auction_id text PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES account,
  signed jsonb NOT NULL,
  inputs jsonb NOT NULL,
  min_price bigint NOT NULL CHECK (min_price >= 0),
  max_price bigint NOT NULL CHECK (max_price >= min_price),
  started_at timestamptz NOT NULL,
  ramp_ms integer NOT NULL CHECK (ramp_ms > 0),
  lock_timeout_ms integer NOT NULL CHECK (lock_timeout_ms > 0),
  state text NOT NULL CHECK (state IN ('open', 'locked', 'cancelled')),
  deal_id uuid,
  last_reason text,
  updated_at timestamptz NOT NULL
);
CREATE INDEX auction_open ON auction (started_at) WHERE state = 'open';
ALTER TABLE deal ADD COLUMN auction_id text REFERENCES auction;

-- A deal's tasks: the pool they run on, and whether this one is audited (run again whatever the vote).
ALTER TABLE task ADD COLUMN deal_id uuid REFERENCES deal;
ALTER TABLE task ADD COLUMN pool_id uuid;
ALTER TABLE task ADD COLUMN deal_index integer;
ALTER TABLE task ADD COLUMN trust integer;
ALTER TABLE task ADD COLUMN audit boolean NOT NULL DEFAULT false;
ALTER TABLE task ADD COLUMN final_deadline timestamptz;
-- An auction's task whose locker missed its lock timeout: open to every pool's workers, no pool paid.
ALTER TABLE task ADD COLUMN reopened boolean NOT NULL DEFAULT false;
CREATE INDEX task_deal ON task (deal_id, deal_index) WHERE deal_id IS NOT NULL;
CREATE INDEX task_deal_deadline ON task (final_deadline) WHERE deal_id IS NOT NULL AND state IN ('open', 'proven');

-- A deal task is settled once: the primary key is what makes "paid twice" impossible.
CREATE TABLE task_settlement (
  task_id uuid PRIMARY KEY,
  deal_id uuid NOT NULL REFERENCES deal,
  outcome text NOT NULL CHECK (outcome IN ('paid', 'refunded', 'claimed')),
  reason text NOT NULL,
  created_at timestamptz NOT NULL
);

-- Receipts: the hub's signed statements, in order; anchors: batches of them whose Merkle root went on chain.
-- A receipt's content is fixed in the transaction of what it states; Ed25519 signatures are deterministic,
-- so the hub signs it the same whenever it is read or anchored.
CREATE TABLE receipt (
  seq bigint PRIMARY KEY,
  kind text NOT NULL,
  deal_id uuid,
  task_id uuid,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX receipt_task ON receipt (task_id) WHERE task_id IS NOT NULL;
CREATE TABLE receipt_anchor (
  anchor_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  first_seq bigint NOT NULL,
  last_seq bigint NOT NULL UNIQUE,
  root text NOT NULL,
  chain_tx text,
  chain_nonce integer,
  chain_height integer,
  created_at timestamptz NOT NULL,
  CHECK (first_seq <= last_seq)
);
-- Each anchored receipt's Merkle leaf, kept so a proof is read, not re-signed and re-hashed per request.
CREATE TABLE receipt_leaf (seq bigint PRIMARY KEY REFERENCES receipt, leaf text NOT NULL);
CREATE TABLE receipt_counter (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), last_seq bigint NOT NULL);
INSERT INTO receipt_counter VALUES (true, 0);

-- Chain deposits seen and withdrawals asked for; the bridge's own state (how far it read the chain).
CREATE TABLE chain_withdrawal (
  withdrawal_id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES account,
  address text NOT NULL,
  amount_micro bigint NOT NULL,
  pending_transfer_id bigint NOT NULL REFERENCES ledger_transfer,
  chain_tx text,
  nonce integer,
  state text NOT NULL CHECK (state IN ('queued', 'sent', 'confirmed', 'failed')),
  reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- Transfers to the hub's address seen on chain, confirmed; credited to the account whose linked wallet sent
-- them (at once, or when that wallet is linked later: nothing sent is lost).
CREATE TABLE chain_deposit (
  chain_tx text PRIMARY KEY,
  from_address text NOT NULL,
  amount_micro bigint NOT NULL CHECK (amount_micro > 0),
  height integer NOT NULL,
  block_hash text NOT NULL,
  credited_transfer_id bigint REFERENCES ledger_transfer,
  seen_at timestamptz NOT NULL
);
CREATE INDEX chain_deposit_unclaimed ON chain_deposit (from_address) WHERE credited_transfer_id IS NULL;
CREATE TABLE bridge_cursor (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), height integer NOT NULL);
INSERT INTO bridge_cursor VALUES (true, 0);

-- When a hub last ran its deadline sweep: a gap longer than a few sweeps is downtime, and deal tasks get it
-- added to their deadlines (a hub that was down must not have pools claimed for what it could not schedule).
CREATE TABLE hub_heartbeat (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), alive_at timestamptz);
INSERT INTO hub_heartbeat VALUES (true, NULL);
