-- Reports from the public (群众举报, issue 17). The case itself is a
-- workflow like any other; what is kept here is what must never enter a
-- workflow's history, which operators read: the follow code the reporter
-- was given and, if they left it, who they are.

-- The follow code is kept only as its SHA-256, so that a copy of the
-- database lets nobody follow a report as its reporter.
CREATE TABLE public_reports (
    case_no   text PRIMARY KEY,
    code_hash bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    filed_at  timestamptz NOT NULL
);

-- Who the reporter is, apart from the case (as person_private is apart
-- from persons): only store.Reporter reads it, for the handling
-- department, and records each read in reporter_reads.
CREATE TABLE reporters (
    case_no text PRIMARY KEY REFERENCES public_reports (case_no),
    name    text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    phone   text NOT NULL CHECK (phone ~ '^1[3-9][0-9]{9}$')
);

-- Who read a reporter's identity, when, in which post: append-only, like
-- personal_reads.
CREATE TABLE reporter_reads (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_no   text NOT NULL REFERENCES public_reports (case_no),
    reader_id bigint NOT NULL REFERENCES persons (id),
    post_id   bigint NOT NULL REFERENCES posts (id),
    at        timestamptz NOT NULL
);
CREATE INDEX reporter_reads_case ON reporter_reads (case_no, at);
CREATE TRIGGER reporter_reads_append_only BEFORE UPDATE OR DELETE ON reporter_reads
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER reporter_reads_no_truncate BEFORE TRUNCATE ON reporter_reads
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
