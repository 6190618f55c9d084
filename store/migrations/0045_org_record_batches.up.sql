-- An organisation record's entries cost what they must — their insert
-- and the check that vouches for their links — and no longer a trigger
-- call per entry besides (issue 15).
--
-- Every entry of an organisation record (workflow_id 'org/<region>') is
-- written by recordOrgChanges (store/organisation.go) with its link
-- given, under the chain's org_chains row locked. An import writes
-- 300,000 of them in one transaction, and each still cost two trigger
-- calls of its own:
--
-- 1. audit_log_chain (0003, 0041) ran for every entry, to take the
--    chain's advisory lock and set duty.audit_links_given, only so that
--    the statement's check would run. Organisation entries are now
--    always checked (below), so the trigger runs only for the entries
--    it links, and for given links of other chains, as before.
-- 2. org_chain_length (0023) queued one deferred event per entry, each
--    of which ran at commit to find the length already written by the
--    first. A chain's length needs one event per transaction: once a
--    statement's entries of a chain are checked, the check notes the
--    chain in the transaction's duty.org_chains_counted, and later
--    entries of it queue none. The events queued (those of the first
--    statement that wrote the chain in the transaction) still run at
--    commit and write the chain's last number as it then is (below), so
--    the length is the length at commit as before. A savepoint rolled back
--    takes its events and its note with it.
--
-- The note only spares work: a writer that sets it by hand leaves the
-- length behind, which `duty audit verify` would not catch only if the
-- tail were then deleted — and deleting from audit_log takes the
-- owner's disabling its triggers, which can rewrite org_chains anyway.

DROP TRIGGER audit_log_chain ON audit_log;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW WHEN (NEW.hash IS NULL OR NEW.workflow_id NOT LIKE 'org/%')
    EXECUTE FUNCTION audit_log_chain();

-- After every statement that gave links or wrote an organisation record:
-- the checks of 0041, then the note of the organisation chains counted.
CREATE OR REPLACE FUNCTION audit_log_check_links() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    bad     record;
    counted text;
BEGIN
    IF current_setting('duty.audit_links_given', true) IS NOT DISTINCT FROM 'on' THEN
        PERFORM set_config('duty.audit_links_given', 'off', true);
    ELSIF NOT EXISTS (SELECT 1 FROM new_entries n WHERE n.workflow_id LIKE 'org/%') THEN
        RETURN NULL;
    END IF;
    SELECT n.workflow_id, n.chain_pos INTO bad
    FROM (SELECT n.*, lag(n.chain_pos) OVER w AS lag_pos, lag(n.hash) OVER w AS lag_hash
          FROM new_entries n WINDOW w AS (PARTITION BY n.workflow_id ORDER BY n.chain_pos)) n
    -- The entry before the statement's first of each chain; looked up
    -- for that first entry only (the condition on n is a one-time filter).
    LEFT JOIN LATERAL (
        SELECT a.chain_pos, a.hash FROM audit_log a
        WHERE n.lag_pos IS NULL AND a.workflow_id = n.workflow_id AND a.chain_pos < n.chain_pos
        ORDER BY a.chain_pos DESC LIMIT 1) p ON true
    WHERE n.hash IS DISTINCT FROM audit_entry_hash(n.workflow_id, n.chain_pos, n.seq, n.case_no, n.at, n.action,
            n.actor_id, n.actor_name, n.actor_role, n.actor_post, n.actor_org_id, n.actor_org,
            n.state_before, n.state_after, n.details, n.prev_hash)
       OR (n.lag_pos IS NOT NULL AND (n.chain_pos <> n.lag_pos + 1 OR n.prev_hash IS DISTINCT FROM n.lag_hash))
       OR (n.lag_pos IS NULL AND (n.chain_pos <> coalesce(p.chain_pos, 0) + 1
            OR n.prev_hash IS DISTINCT FROM coalesce(p.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)))
    ORDER BY n.workflow_id, n.chain_pos
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'audit_log: the link given for % at chain position % is not the chain''s (审计链接不符)', bad.workflow_id, bad.chain_pos
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- ' org/140502 org/1405 ': each chain between spaces.
    counted := coalesce(nullif(current_setting('duty.org_chains_counted', true), ''), ' ');
    SELECT counted || coalesce(string_agg(DISTINCT n.workflow_id || ' ', ''), '') INTO counted
    FROM new_entries n
    WHERE n.workflow_id LIKE 'org/%' AND strpos(counted, ' ' || n.workflow_id || ' ') = 0;
    PERFORM set_config('duty.org_chains_counted', counted, true);
    RETURN NULL;
END;
$$;

-- The events left write the chain's last number whatever the entry that
-- queued them: 0023's test against the entry's own number (seq < NEW.seq)
-- let only a later entry's event move the length, and a record begun by
-- a statement of one entry, followed by others in the same transaction,
-- would have kept the length 1.
CREATE OR REPLACE FUNCTION org_chain_length() RETURNS trigger AS $$
BEGIN
    UPDATE org_chains c SET seq = l.seq
    FROM (SELECT max(a.seq) AS seq FROM audit_log a WHERE a.workflow_id = NEW.workflow_id) l
    WHERE c.workflow_id = NEW.workflow_id AND c.seq < l.seq;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER org_chain_length ON audit_log;
CREATE CONSTRAINT TRIGGER org_chain_length AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.workflow_id LIKE 'org/%'
        AND strpos(coalesce(current_setting('duty.org_chains_counted', true), ''), ' ' || NEW.workflow_id || ' ') = 0)
    EXECUTE FUNCTION org_chain_length();
