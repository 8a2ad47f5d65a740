-- One task model for every program kind. An input group is the data; its task is the execution, with one
-- state machine (core's transitionTask). Seed 004's reservations become replicas leased to anonymous
-- donors, so reserving, uploading a proof and judging it go through the same rows as workers' replicas.
-- Judgements of replicas and transitions of tasks are append-only records; reputations are derived from
-- judgements. Blob references are released by triggers, so no code path can forget one.

-- Programs name their runtime; what the runtime computed on upload (a Noir circuit and its key) is its artifact.
ALTER TABLE program ADD COLUMN runtime text;
UPDATE program SET runtime = coalesce(manifest->>'runtime', 'opaque');
ALTER TABLE program ALTER COLUMN runtime SET NOT NULL;
ALTER TABLE program ADD COLUMN artifact jsonb;
UPDATE program SET artifact = jsonb_build_object('circuit', circuit, 'verification_key', encode(verification_key, 'base64'))
 WHERE circuit IS NOT NULL;
ALTER TABLE program DROP COLUMN circuit;
ALTER TABLE program DROP COLUMN verification_key;

CREATE TABLE task (
  task_id uuid PRIMARY KEY REFERENCES input_group (input_group_id) ON DELETE CASCADE,
  program_id uuid NOT NULL REFERENCES program ON DELETE CASCADE,
  runtime text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'proven', 'verified', 'confirmed', 'failed', 'cancelled')),
  -- A retry starts a new attempt: replicas of earlier attempts are history, they neither count nor bar.
  attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  -- Replicas (submitted or live) the policy asks for now; it rises when replicas disagree.
  replicas_wanted integer NOT NULL CHECK (replicas_wanted >= 1),
  -- What a worker needs to run it: 0 for runtimes that burn no WebAssembly fuel or memory.
  memory_pages integer NOT NULL,
  fuel float8 NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_leased_at timestamptz,
  decided_at timestamptz,
  confirmed_at timestamptz,
  accepted_replica_id uuid,
  result_hash text,
  failure_reason text
);
-- Workers take the oldest open task; donors the never-reserved first, then the longest-expired.
CREATE INDEX task_open_by_age ON task (created_at, task_id) WHERE state = 'open';
CREATE INDEX task_open_by_program ON task (program_id, last_leased_at NULLS FIRST, created_at) WHERE state = 'open';
CREATE INDEX task_program_state ON task (program_id, state);

INSERT INTO task (task_id, program_id, runtime, state, replicas_wanted, memory_pages, fuel, created_at, updated_at,
                  last_leased_at, decided_at, confirmed_at, result_hash, failure_reason)
SELECT g.input_group_id, g.program_id, p.runtime,
       CASE WHEN p.manifest IS NULL THEN
              CASE WHEN g.verified_datetime IS NOT NULL THEN 'confirmed'
                   WHEN g.proven_datetime IS NOT NULL THEN 'proven' ELSE 'open' END
            WHEN g.task_state = 'open' THEN 'open'
            WHEN g.task_state = 'failed' THEN 'failed'
            WHEN g.verified_datetime IS NOT NULL THEN 'confirmed'
            ELSE 'verified' END,
       coalesce(g.replicas_wanted,
                CASE WHEN p.manifest->'verification'->>'policy' = 'replicate'
                     THEN (p.manifest->'verification'->>'replicas')::int ELSE 1 END),
       coalesce((p.manifest->'limits'->>'memory_pages')::int, 0),
       coalesce((p.manifest->'limits'->>'fuel')::float8, 0),
       g.created_at,
       coalesce(g.verified_datetime, g.proven_datetime, g.last_reserved, g.created_at),
       g.last_reserved,
       CASE WHEN p.manifest IS NULL THEN g.proven_datetime
            WHEN g.task_state <> 'open' THEN coalesce(g.verified_datetime, g.last_reserved, g.created_at) END,
       g.verified_datetime,
       g.accepted_result_hash,
       g.failure_reason
  FROM input_group g JOIN program p USING (program_id);

-- Replicas belong to tasks; one row for a worker's lease and for a donor's reservation alike.
ALTER TABLE replica RENAME COLUMN input_group_id TO task_id;
ALTER TABLE replica DROP CONSTRAINT replica_input_group_id_fkey;
ALTER TABLE replica ADD CONSTRAINT replica_task_fkey FOREIGN KEY (task_id) REFERENCES task ON DELETE CASCADE;
-- Lapsed leases no longer bar their worker, and retries add attempts: one worker may hold several rows of a task.
ALTER TABLE replica DROP CONSTRAINT replica_input_group_id_worker_id_key;
ALTER TABLE replica RENAME COLUMN kind TO step;
ALTER TABLE replica RENAME COLUMN witness_of TO handoff_of;
ALTER TABLE replica ADD COLUMN attempt integer NOT NULL DEFAULT 1;
ALTER TABLE replica ADD COLUMN output bytea;
ALTER TABLE replica ADD COLUMN failure_code text;
ALTER TABLE replica ADD COLUMN failure_message text;
ALTER TABLE replica RENAME COLUMN proof_blob_hash TO evidence_blob_hash;
ALTER TABLE replica RENAME COLUMN proof_sha256 TO evidence_sha256;
UPDATE replica SET evidence_blob_hash = witness_blob_hash WHERE witness_blob_hash IS NOT NULL;
ALTER TABLE replica DROP COLUMN witness_blob_hash;
ALTER TABLE replica DROP CONSTRAINT replica_state_check;
UPDATE replica SET state = 'handed_off' WHERE state = 'witnessed';
ALTER TABLE replica ADD CONSTRAINT replica_state_check
  CHECK (state IN ('leased', 'submitted', 'handed_off', 'lapsed', 'returned', 'rejected'));
DROP INDEX replica_proof;
CREATE UNIQUE INDEX replica_evidence_accepted ON replica (evidence_sha256)
  WHERE evidence_sha256 IS NOT NULL AND state = 'submitted';
DROP INDEX replica_group;
-- With the state: the place counts and lease checks find a task's live replicas without reading the others.
CREATE INDEX replica_task ON replica (task_id, attempt, state);
CREATE INDEX replica_leased ON replica (lease_expires_at) WHERE state = 'leased';
CREATE INDEX replica_handed_off ON replica (submitted_at, replica_id) WHERE state = 'handed_off';
CREATE INDEX replica_output_blob ON replica (output_blob_hash) WHERE output_blob_hash IS NOT NULL;
CREATE INDEX replica_evidence_blob ON replica (evidence_blob_hash) WHERE evidence_blob_hash IS NOT NULL;

-- Seed 004's leases and proofs become donor replicas (worker_id NULL; the lease id is the replica id).
INSERT INTO replica (replica_id, task_id, worker_id, leased_at, lease_expires_at, state, step, attempt,
                     submitted_at, evidence_blob_hash, output_size)
SELECT g.lease_id, g.input_group_id, NULL, coalesce(g.last_reserved, g.created_at),
       coalesce(g.lease_expires_at, g.proven_datetime, g.last_reserved, g.created_at),
       CASE WHEN g.proven_datetime IS NOT NULL THEN 'submitted' ELSE 'leased' END, 'run', 1,
       g.proven_datetime, g.proof_blob_hash, g.proof_size
  FROM input_group g JOIN program p USING (program_id)
 WHERE p.manifest IS NULL AND g.lease_id IS NOT NULL;
UPDATE task t SET accepted_replica_id = g.lease_id
  FROM input_group g WHERE g.input_group_id = t.task_id AND t.runtime = 'opaque' AND t.state IN ('proven', 'confirmed');
UPDATE task t SET accepted_replica_id = r.replica_id
  FROM replica r WHERE r.task_id = t.task_id AND r.judgement = 'agreed' AND t.runtime <> 'opaque'
   AND t.state IN ('verified', 'confirmed');
ALTER TABLE task ADD CONSTRAINT task_accepted_replica_fkey
  FOREIGN KEY (accepted_replica_id) REFERENCES replica ON DELETE SET NULL;

-- Judgements: append-only, and kept when their task is deleted (reputations and, later, payments rest on them).
CREATE TABLE judgement (
  judgement_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id uuid NOT NULL,
  program_id uuid NOT NULL,
  replica_id uuid,
  worker_id uuid REFERENCES worker,
  attempt integer NOT NULL,
  code text NOT NULL,
  reason_code text,
  reason text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX judgement_worker ON judgement (worker_id, judgement_id);
CREATE INDEX judgement_task ON judgement (task_id, judgement_id);
CREATE INDEX judgement_replica ON judgement (replica_id);

INSERT INTO judgement (task_id, program_id, replica_id, worker_id, attempt, code, reason_code, reason, created_at)
SELECT r.task_id, t.program_id, r.replica_id, r.worker_id, 1,
       CASE WHEN r.judgement = 'agreed' THEN 'agreed' WHEN r.judgement = 'outvoted' THEN 'outvoted'
            ELSE 'evidence_invalid' END,
       NULL,
       coalesce(r.rejection_reason,
                CASE WHEN r.judgement = 'agreed' THEN 'its result was accepted' ELSE 'the quorum accepted another result' END),
       coalesce(r.submitted_at, r.leased_at)
  FROM replica r JOIN task t USING (task_id)
 WHERE r.judgement IS NOT NULL OR r.state = 'rejected';
ALTER TABLE replica DROP COLUMN judgement;
ALTER TABLE replica DROP COLUMN rejection_reason;
ALTER TABLE worker DROP COLUMN consecutive_valid;
ALTER TABLE worker DROP COLUMN results_valid;
ALTER TABLE worker DROP COLUMN results_invalid;
CREATE INDEX worker_last_seen ON worker (last_seen_at);

-- Task transitions: append-only too.
CREATE TABLE task_event (
  event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id uuid NOT NULL,
  program_id uuid NOT NULL,
  attempt integer NOT NULL,
  event text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  reason text,
  created_at timestamptz NOT NULL
);
CREATE INDEX task_event_task ON task_event (task_id, event_id);
INSERT INTO task_event (task_id, program_id, attempt, event, from_state, to_state, reason, created_at)
SELECT task_id, program_id, 1, 'created', NULL, state, 'carried over from an earlier hub version', updated_at FROM task;

-- The input group keeps only its data.
ALTER TABLE input_group DROP COLUMN last_reserved;
ALTER TABLE input_group DROP COLUMN lease_id;
ALTER TABLE input_group DROP COLUMN lease_expires_at;
ALTER TABLE input_group DROP COLUMN proven_datetime;
ALTER TABLE input_group DROP COLUMN proof_blob_hash;
ALTER TABLE input_group DROP COLUMN proof_size;
ALTER TABLE input_group DROP COLUMN verified_datetime;
ALTER TABLE input_group DROP COLUMN task_state;
ALTER TABLE input_group DROP COLUMN replicas_wanted;
ALTER TABLE input_group DROP COLUMN accepted_result_hash;
ALTER TABLE input_group DROP COLUMN failure_reason;

-- Every dropped blob reference queues its blob for the garbage sweep, whichever statement drops it (a
-- delete, a cascade, an update that clears or replaces the column).
CREATE FUNCTION release_blobs(hashes text[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO blob_garbage (blob_hash, released_at)
  SELECT DISTINCT h, now() FROM unnest(hashes) AS h WHERE h IS NOT NULL
  ON CONFLICT (blob_hash) DO UPDATE SET released_at = EXCLUDED.released_at;
$$;

CREATE FUNCTION release_replica_blobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM release_blobs(ARRAY[OLD.output_blob_hash, OLD.evidence_blob_hash]);
  ELSE
    PERFORM release_blobs(ARRAY[
      CASE WHEN OLD.output_blob_hash IS DISTINCT FROM NEW.output_blob_hash THEN OLD.output_blob_hash END,
      CASE WHEN OLD.evidence_blob_hash IS DISTINCT FROM NEW.evidence_blob_hash THEN OLD.evidence_blob_hash END]);
  END IF;
  RETURN NULL;
END $$;
-- Only rows that held a blob release one: a lease getting its first result (the common update) calls nothing.
CREATE TRIGGER replica_releases_blobs AFTER DELETE OR UPDATE OF output_blob_hash, evidence_blob_hash ON replica
  FOR EACH ROW WHEN (OLD.output_blob_hash IS NOT NULL OR OLD.evidence_blob_hash IS NOT NULL)
  EXECUTE FUNCTION release_replica_blobs();

CREATE FUNCTION release_program_blobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM release_blobs(ARRAY[OLD.blob_hash]);
  RETURN NULL;
END $$;
CREATE TRIGGER program_releases_blobs AFTER DELETE ON program
  FOR EACH ROW EXECUTE FUNCTION release_program_blobs();
