-- The policies' notice names the policies a statement changed, so that
-- each process reloads those alone rather than every policy (at 100,000
-- enterprises a full reload takes seconds; one organisation's change
-- touches a few policies). The payload is a JSON array of ids; "*" when
-- they would not fit in a notice (8,000 bytes) or the table was
-- truncated: then every policy is reloaded, as before.
-- Transition tables need one trigger per event.
CREATE OR REPLACE FUNCTION notify_policies_changed() RETURNS trigger AS $$
DECLARE
    payload text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('duty_policies_changed', '*');
        RETURN NULL;
    END IF;
    SELECT coalesce(json_agg(id)::text, '[]') INTO payload FROM changed_policies;
    IF octet_length(payload) > 7900 THEN
        payload := '*';
    END IF;
    IF payload <> '[]' THEN
        PERFORM pg_notify('duty_policies_changed', payload);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS policies_changed ON policies;
CREATE TRIGGER policies_inserted AFTER INSERT ON policies REFERENCING NEW TABLE AS changed_policies
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policies_changed();
CREATE TRIGGER policies_updated AFTER UPDATE ON policies REFERENCING NEW TABLE AS changed_policies
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policies_changed();
CREATE TRIGGER policies_deleted AFTER DELETE ON policies REFERENCING OLD TABLE AS changed_policies
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policies_changed();
CREATE TRIGGER policies_truncated AFTER TRUNCATE ON policies
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policies_changed();
