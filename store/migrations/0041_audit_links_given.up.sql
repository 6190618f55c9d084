-- An entry may come with its link (chain_pos, prev_hash, hash) computed
-- by its writer, and the database then checks it instead of computing it.
--
-- The trigger of 0003 links each entry by looking up the one before and
-- hashing it, row by row: about 0.1 ms an entry, which is nothing for a
-- case's step and most of the time of an import that records 300,000
-- steps of an organisation record (issue 15). Such a writer (the store's
-- recordOrgChanges) now computes the links of a whole batch in Go, with
-- the same encoding as audit_entry_hash (store/audit.go, auditHash), and
-- inserts them in one statement. Nothing is taken on trust: after the
-- statement, one set-based query recomputes every given entry's hash and
-- checks that the statement's entries of each chain follow one another
-- and the chain's last entry before them; a wrong link aborts the
-- statement. An entry inserted without a link (every case step) is
-- linked by the trigger exactly as before.

CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    last_pos  bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(1635083369 /* 'audi' */, hashtext(NEW.workflow_id));
    IF NEW.hash IS NOT NULL THEN
        -- Checked once the statement is done (audit_log_check_links).
        PERFORM set_config('duty.audit_links_given', 'on', true);
        RETURN NEW;
    END IF;
    SELECT a.chain_pos, a.hash INTO last_pos, last_hash
    FROM audit_log a WHERE a.workflow_id = NEW.workflow_id
    ORDER BY a.chain_pos DESC LIMIT 1;
    NEW.chain_pos := coalesce(last_pos, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    NEW.hash := audit_entry_hash(NEW.workflow_id, NEW.chain_pos, NEW.seq, NEW.case_no, NEW.at, NEW.action,
        NEW.actor_id, NEW.actor_name, NEW.actor_role, NEW.actor_post, NEW.actor_org_id, NEW.actor_org,
        NEW.state_before, NEW.state_after, NEW.details, NEW.prev_hash);
    RETURN NEW;
END;
$$;

-- After a statement that gave links: every entry of it must hash to its
-- hash, and in each chain the statement's entries must follow one
-- another (positions one apart, each prev_hash the hash before) from the
-- chain's last entry before the statement (or from the start: position
-- 1 and 32 zero bytes). Entries the trigger linked pass trivially.
CREATE FUNCTION audit_log_check_links() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    IF current_setting('duty.audit_links_given', true) IS DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('duty.audit_links_given', 'off', true);
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
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_log_check_links AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_check_links();
