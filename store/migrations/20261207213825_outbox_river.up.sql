-- Notification delivery moves from a hand-written queue over this table
-- (claimed with FOR UPDATE SKIP LOCKED, leased, next_attempt_at) to River
-- jobs (river_job, made by rivermigrate in store.MigrateRiver): each row is
-- delivered by one job, inserted in the step's transaction beside it. The
-- table stays the person-facing record of what was sent and how delivery
-- stands; River's job holds when the next attempt is.

-- The River job that delivers the row. NULL only on rows queued before
-- this migration, which MigrateRiver gives a job of their own.
ALTER TABLE outbox ADD COLUMN job_id bigint;

-- Rows the old dispatcher was still retrying become pending again, so
-- MigrateRiver queues them; rows it gave up on (failed with no next
-- attempt) and delivered rows stay as they are.
UPDATE outbox SET state = 'pending' WHERE state = 'failed' AND next_attempt_at IS NOT NULL;

DROP INDEX outbox_due;
ALTER TABLE outbox DROP COLUMN next_attempt_at;
