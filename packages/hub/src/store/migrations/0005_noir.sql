-- Noir programs: the compiled circuit (bytecode and ABI) and its verification key, computed once on
-- upload. Their replicas carry a proof; one that does not verify is kept as `rejected` (it counted against
-- its worker), and a proof is accepted once only (a replay is refused by its hash).
ALTER TABLE program ADD COLUMN circuit jsonb;
ALTER TABLE program ADD COLUMN verification_key bytea;

ALTER TABLE replica DROP CONSTRAINT replica_state_check;
ALTER TABLE replica ADD CONSTRAINT replica_state_check CHECK (state IN ('leased', 'submitted', 'rejected'));
ALTER TABLE replica ADD COLUMN proof_blob_hash text;
ALTER TABLE replica ADD COLUMN proof_sha256 text;
ALTER TABLE replica ADD COLUMN public_inputs jsonb;
ALTER TABLE replica ADD COLUMN rejection_reason text;
CREATE UNIQUE INDEX replica_proof ON replica (proof_sha256) WHERE proof_sha256 IS NOT NULL AND state = 'submitted';
