-- A record that cannot be changed quietly.
--
-- 1. Each case's audit entries form a hash chain in insertion order:
--    chain_pos is 1, 2, 3, … per workflow, prev_hash is the hash of the
--    entry before (32 zero bytes for the first), and hash covers the entry's
--    fields and prev_hash. Changing, deleting or re-ordering an entry breaks
--    the chain at that entry; `duty audit verify` recomputes every chain.
-- 2. UPDATE, DELETE and TRUNCATE on audit_log (and policy_audit) are
--    refused by triggers, which bind every role, the owner and superusers
--    included. Getting round them takes a deliberate act (the owner's
--    ALTER TABLE … DISABLE TRIGGER, or a superuser's
--    session_replication_role = replica), and what is then changed shows
--    as a broken chain.
--
-- The hash is computed here, by a trigger on every insert, so that no
-- writer can chain an entry differently; store/audit.go recomputes it
-- independently from the stored row. Both follow one encoding, version 1:
--
--   hash = SHA-256( "duty-audit-v1\n" || f(workflow_id) || f(chain_pos) ||
--          f(seq) || f(case_no) || f(at) || f(action) || f(actor_id) ||
--          f(actor_name) || f(actor_role) || f(actor_post) ||
--          f(actor_org_id) || f(actor_org) || f(state_before) ||
--          f(state_after) || f(details) || f(prev_hash) )
--
-- where f(x) is a netstring of x's text as UTF-8: its byte length in
-- decimal, ':', the bytes, ','. The texts are: integers in decimal, a
-- NULL integer (no actor id) as the empty string; `at` as microseconds
-- since 1970-01-01T00:00:00Z in decimal (what timestamptz stores);
-- `details` as jsonb's own text output (keys sorted, fixed spacing — the
-- jsonb value, not the JSON first sent, is what can be reproduced from
-- the row); prev_hash as 64 lower-case hex digits.

ALTER TABLE audit_log
    ADD COLUMN chain_pos bigint,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash      bytea;

CREATE FUNCTION audit_netstring(t text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT octet_length(convert_to(t, 'UTF8'))::text || ':' || t || ',' $$;

CREATE FUNCTION audit_entry_hash(
    workflow_id text, chain_pos bigint, seq bigint, case_no text, at timestamptz, action text,
    actor_id bigint, actor_name text, actor_role text, actor_post text, actor_org_id bigint,
    actor_org text, state_before text, state_after text, details jsonb, prev_hash bytea
) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT sha256(convert_to(
        E'duty-audit-v1\n'
        || audit_netstring(workflow_id)
        || audit_netstring(chain_pos::text)
        || audit_netstring(seq::text)
        || audit_netstring(case_no)
        -- whole seconds and the microseconds within them: exact on every
        -- PostgreSQL version (extract(epoch) was a float before 14).
        || audit_netstring((extract(epoch FROM date_trunc('second', at))::bigint * 1000000
                            + extract(microseconds FROM at)::bigint % 1000000)::text)
        || audit_netstring(action)
        || audit_netstring(coalesce(actor_id::text, ''))
        || audit_netstring(actor_name)
        || audit_netstring(actor_role)
        || audit_netstring(actor_post)
        || audit_netstring(coalesce(actor_org_id::text, ''))
        || audit_netstring(actor_org)
        || audit_netstring(state_before)
        || audit_netstring(state_after)
        || audit_netstring(details::text)
        || audit_netstring(encode(prev_hash, 'hex')),
        'UTF8')) $$;

-- Chains what exists, per workflow in insertion (id) order.
DO $$
DECLARE
    r        audit_log%ROWTYPE;
    last_wf  text;
    pos      bigint;
    prev     bytea;
    h        bytea;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY workflow_id, id LOOP
        IF last_wf IS DISTINCT FROM r.workflow_id THEN
            last_wf := r.workflow_id;
            pos := 0;
            prev := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
        END IF;
        pos := pos + 1;
        h := audit_entry_hash(r.workflow_id, pos, r.seq, r.case_no, r.at, r.action, r.actor_id, r.actor_name,
            r.actor_role, r.actor_post, r.actor_org_id, r.actor_org, r.state_before, r.state_after, r.details, prev);
        UPDATE audit_log SET chain_pos = pos, prev_hash = prev, hash = h WHERE id = r.id;
        prev := h;
    END LOOP;
END;
$$;

ALTER TABLE audit_log
    ALTER COLUMN chain_pos SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT audit_log_chain UNIQUE (workflow_id, chain_pos);

-- Links each new entry to the last of its case. The advisory lock (one
-- per workflow, held to the end of the transaction) orders concurrent
-- steps of one case — parallel activities — so that each sees the entry
-- before it; steps of different cases do not wait for each other. A
-- retried step runs this too, then hits ON CONFLICT (workflow_id, seq)
-- DO NOTHING: its link is computed and thrown away, never added.
CREATE FUNCTION audit_log_chain() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    last_pos  bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(1635083369 /* 'audi' */, hashtext(NEW.workflow_id));
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
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- Append-only, for every role.
CREATE FUNCTION refuse_audit_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused (审计记录不可修改或删除)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit entries are only ever added; a correction is a new entry';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER policy_audit_append_only BEFORE UPDATE OR DELETE ON policy_audit
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER policy_audit_no_truncate BEFORE TRUNCATE ON policy_audit
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
