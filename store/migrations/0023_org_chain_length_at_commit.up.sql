-- A region's org_chains row holds the length of its organisation record.
-- It was bumped by every change; inside one transaction each bump leaves a
-- version of the row that cannot be cleaned up before commit and that the
-- next bump must walk, so an import of 100,000 rows grew with the square
-- of its changes. A change now locks the row (which makes no new version)
-- and numbers itself from the audit log; the length is written once, as
-- the transaction commits: the first of its entries to be checked sets it
-- to the chain's last number, and the others find nothing to do.
CREATE FUNCTION org_chain_length() RETURNS trigger AS $$
BEGIN
    UPDATE org_chains SET seq = (SELECT max(seq) FROM audit_log WHERE workflow_id = NEW.workflow_id)
    WHERE workflow_id = NEW.workflow_id AND seq < NEW.seq;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER org_chain_length AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.workflow_id LIKE 'org/%') EXECUTE FUNCTION org_chain_length();
