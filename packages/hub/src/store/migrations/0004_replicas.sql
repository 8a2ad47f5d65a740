-- Tasks of programs with a manifest run as replicas on workers. `replicas_wanted` starts at the policy's
-- count and rises when replicas disagree; a task ends verified (with the accepted result) or failed.
ALTER TABLE input_group ADD COLUMN task_state text NOT NULL DEFAULT 'open' CHECK (task_state IN ('open', 'verified', 'failed'));
ALTER TABLE input_group ADD COLUMN replicas_wanted integer;
ALTER TABLE input_group ADD COLUMN accepted_result_hash text;
ALTER TABLE input_group ADD COLUMN failure_reason text;

CREATE TABLE replica (
  replica_id uuid PRIMARY KEY,
  input_group_id uuid NOT NULL REFERENCES input_group ON DELETE CASCADE,
  worker_id uuid NOT NULL REFERENCES worker,
  leased_at timestamptz NOT NULL,
  lease_expires_at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('leased', 'submitted')),
  result_hash text,
  output_blob_hash text,
  output_size integer,
  fuel_used bigint,
  exit_code integer,
  log text,
  submitted_at timestamptz,
  judgement text CHECK (judgement IN ('agreed', 'outvoted')),
  -- Never two replicas of one task on one worker: independent results need independent machines.
  UNIQUE (input_group_id, worker_id)
);
CREATE INDEX replica_group ON replica (input_group_id);
