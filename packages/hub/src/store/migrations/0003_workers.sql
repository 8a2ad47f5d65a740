-- Donor machines. A worker is its Ed25519 key; it may be linked to an account to earn credit later.
CREATE TABLE worker (
  worker_id uuid PRIMARY KEY,
  public_key bytea NOT NULL UNIQUE CHECK (length(public_key) = 32),
  organization_id uuid REFERENCES account ON DELETE SET NULL,
  name text NOT NULL,
  registered_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  -- Reputation: consecutive results that agreed with the verdict (BOINC's CV), and the totals.
  consecutive_valid integer NOT NULL DEFAULT 0,
  results_valid integer NOT NULL DEFAULT 0,
  results_invalid integer NOT NULL DEFAULT 0
);
