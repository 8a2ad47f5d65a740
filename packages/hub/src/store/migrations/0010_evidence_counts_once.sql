-- A proof counts once, ever: an accepted proof its organization then rejected must not be accepted again,
-- so the uniqueness of evidence no longer depends on the replica's state.
DROP INDEX replica_evidence_accepted;
CREATE UNIQUE INDEX replica_evidence_once ON replica (evidence_sha256) WHERE evidence_sha256 IS NOT NULL;
