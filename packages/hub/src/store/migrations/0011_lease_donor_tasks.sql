-- Seed 004's reservation in one call, so a busy hub pays one round trip per batch of donors. The candidates
-- are locked by one statement, then asked again by the next: in a function, under READ COMMITTED, that next
-- statement sees every replica committed meanwhile (by another hub, say), so no place is filled twice.
-- Never-reserved tasks go first, then the longest-expired (the task_open_by_program index).
CREATE FUNCTION lease_donor_tasks(program uuid, now timestamptz, expires_at timestamptz, wanted int)
  RETURNS TABLE (leased_replica uuid, leased_task uuid, input_values bytea[]) LANGUAGE plpgsql AS $$
DECLARE
  candidates uuid[];
BEGIN
  SELECT array_agg(c.task_id) INTO candidates FROM (
    SELECT t.task_id FROM task t
     WHERE t.program_id = lease_donor_tasks.program AND t.state = 'open'
       AND (SELECT count(*) FROM replica r WHERE r.task_id = t.task_id AND r.attempt = t.attempt
             AND (r.state = 'submitted' OR (r.state = 'leased' AND r.lease_expires_at > lease_donor_tasks.now)))
           < t.replicas_wanted
     ORDER BY t.last_leased_at NULLS FIRST, t.created_at, t.task_id
     LIMIT wanted FOR UPDATE SKIP LOCKED) c;
  IF candidates IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
  WITH chosen AS (
    SELECT t.task_id, t.attempt FROM task t
     WHERE t.task_id = ANY(candidates) AND t.state = 'open'
       AND (SELECT count(*) FROM replica r WHERE r.task_id = t.task_id AND r.attempt = t.attempt
             AND (r.state = 'submitted' OR (r.state = 'leased' AND r.lease_expires_at > lease_donor_tasks.now)))
           < t.replicas_wanted),
  leased AS (
    INSERT INTO replica (replica_id, task_id, worker_id, leased_at, lease_expires_at, state, step, attempt)
    SELECT gen_random_uuid(), c.task_id, NULL, lease_donor_tasks.now, lease_donor_tasks.expires_at, 'leased', 'run', c.attempt
      FROM chosen c
    RETURNING replica.replica_id, replica.task_id),
  marked AS (
    UPDATE task SET last_leased_at = lease_donor_tasks.now WHERE task.task_id IN (SELECT l.task_id FROM leased l))
  SELECT l.replica_id, l.task_id,
         coalesce((SELECT array_agg(v.value ORDER BY v.position) FROM input_value v WHERE v.input_group_id = l.task_id),
                  '{}')
    FROM leased l;
END $$;
