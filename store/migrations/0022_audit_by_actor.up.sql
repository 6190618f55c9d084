-- A person's record (终身追责) reads the steps they took, newest first,
-- across every case: without this it would scan the whole audit log.
CREATE INDEX IF NOT EXISTS audit_actor ON audit_log (actor_id, at DESC) WHERE actor_id IS NOT NULL;
