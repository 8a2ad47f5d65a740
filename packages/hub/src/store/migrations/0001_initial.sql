-- Accounts are organizations (seed 004: `account`). Usernames are unique: logins must be unambiguous.
CREATE TABLE account (
  organization_id uuid PRIMARY KEY,
  username text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  name text NOT NULL,
  description text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX account_name_prefix ON account (name text_pattern_ops);

-- A login session: the family of rotated refresh tokens. Revoking it logs out every token of the family,
-- basic tokens included (they name their session).
CREATE TABLE session (
  session_id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES account ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);

-- Refresh tokens are stored hashed; a used one stays as a tombstone so a replay is recognised.
CREATE TABLE refresh_token (
  token_id uuid PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES session ON DELETE CASCADE,
  token_hash bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX refresh_token_session ON refresh_token (session_id);

CREATE TABLE program (
  program_id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES account ON DELETE CASCADE,
  name text NOT NULL,
  description text NOT NULL,
  input_lock_timeout integer NOT NULL CHECK (input_lock_timeout > 0),
  blob_hash text NOT NULL,
  blob_size integer NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (organization_id, name)
);
CREATE INDEX program_name_prefix ON program (name text_pattern_ops);

-- One input group = one task for now. The lease and the proof live on the row, so reserving and uploading
-- are single-row atomic updates.
CREATE TABLE input_group (
  input_group_id uuid PRIMARY KEY,
  program_id uuid NOT NULL REFERENCES program ON DELETE CASCADE,
  name text NOT NULL,
  value_count integer NOT NULL,
  created_at timestamptz NOT NULL,
  last_reserved timestamptz,
  lease_id uuid,
  lease_expires_at timestamptz,
  proven_datetime timestamptz,
  proof_blob_hash text,
  proof_size integer,
  verified_datetime timestamptz,
  UNIQUE (program_id, name),
  CHECK ((proven_datetime IS NULL) = (proof_blob_hash IS NULL)),
  CHECK (verified_datetime IS NULL OR proven_datetime IS NOT NULL)
);
-- The queue: groups without a proof, oldest reservation first.
CREATE INDEX input_group_queue ON input_group (program_id, last_reserved NULLS FIRST, created_at)
  WHERE proven_datetime IS NULL;

CREATE TABLE input_value (
  input_group_id uuid NOT NULL REFERENCES input_group ON DELETE CASCADE,
  position integer NOT NULL,
  value bytea NOT NULL,
  PRIMARY KEY (input_group_id, position)
);

-- Secrets generated on first start (JWT key); in the database so every hub process shares them.
CREATE TABLE hub_secret (
  name text PRIMARY KEY,
  value bytea NOT NULL,
  created_at timestamptz NOT NULL
);

-- Blobs are content-addressed and may be shared, so a dropped reference only queues the blob here; a
-- sweep deletes it once a grace period has passed and nothing references it any more.
CREATE TABLE blob_garbage (
  blob_hash text PRIMARY KEY,
  released_at timestamptz NOT NULL
);
