-- The validated manifest of programs that have one (runtime, entry, limits, verification policy); NULL for
-- seed-style programs whose results their organization verifies itself.
ALTER TABLE program ADD COLUMN manifest jsonb;
