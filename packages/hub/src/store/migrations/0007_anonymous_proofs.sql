-- A Noir task's proof may come through seed 004's anonymous POST /program/proof: it cannot be forged, so
-- it needs no lease and no registered worker. Such a replica has no worker.
ALTER TABLE replica ALTER COLUMN worker_id DROP NOT NULL;
