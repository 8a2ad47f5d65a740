-- The donors' order (never-reserved first, then the longest-expired) ends in task_id to be total: without it
-- in the index, PostgreSQL read and sorted every open task of a program to hand out the first few.
DROP INDEX task_open_by_program;
CREATE INDEX task_open_by_program ON task (program_id, last_leased_at NULLS FIRST, created_at, task_id) WHERE state = 'open';
