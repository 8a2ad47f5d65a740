-- Split execution and proving (seed 004's plan): one worker executes a Noir task and uploads its witness,
-- another proves it. `kind` says what a replica was leased for: a whole run, execution only, or proving
-- another replica's witness (`witness_of`). A witness waits in state `witnessed` until it is proven.
ALTER TABLE replica ADD COLUMN kind text NOT NULL DEFAULT 'run' CHECK (kind IN ('run', 'execute', 'prove'));
ALTER TABLE replica ADD COLUMN witness_blob_hash text;
ALTER TABLE replica ADD COLUMN witness_of uuid REFERENCES replica ON DELETE CASCADE;

ALTER TABLE replica DROP CONSTRAINT replica_state_check;
ALTER TABLE replica ADD CONSTRAINT replica_state_check CHECK (state IN ('leased', 'submitted', 'rejected', 'witnessed'));
