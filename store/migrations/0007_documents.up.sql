-- Official documents (执法文书) of case steps: their numbers (文号) and
-- their service (送达).

-- An organisation's 机关代字 where it is not the one derived from its name
-- and region (documents.IssuerCode), e.g. 晋 for a province's department.
CREATE TABLE document_issuers (
    org_id bigint PRIMARY KEY REFERENCES orgs (id),
    code   text NOT NULL CHECK (code <> '')
);

-- Numbers run per issuing organisation, kind code (责改, 罚决, …) and
-- year, without gaps under concurrency: one row lock per counter, taken
-- only by a document that has no number yet.
CREATE TABLE document_numbers (
    issuer_org_id bigint NOT NULL,
    code          text NOT NULL,
    year          int NOT NULL,
    last          int NOT NULL,
    PRIMARY KEY (issuer_org_id, code, year)
);

-- One row per document of a case step, holding the number it was given
-- the first time it was listed or printed: a reprint carries the same
-- number. seq is NULL when the step carried its own number (the simple
-- procedure's numbered decision form).
CREATE TABLE documents (
    case_no       text NOT NULL,
    doc_id        text NOT NULL,
    workflow_id   text NOT NULL,
    kind          text NOT NULL,
    issuer_org_id bigint NOT NULL,
    code          text NOT NULL,
    year          int NOT NULL,
    seq           int,
    number        text NOT NULL,
    numbered_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_no, doc_id)
);
CREATE UNIQUE INDEX documents_seq ON documents (issuer_org_id, code, year, seq) WHERE seq IS NOT NULL;

-- Service (送达) of a document: how, when, received by whom, recorded by
-- whom in which post. Append-only like the audit log: a mistaken record
-- is answered by a new one, never edited away. The penalty decision's
-- service is a step of the penalty case and is not kept here.
CREATE TABLE document_services (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_no      text NOT NULL,
    doc_id       text NOT NULL,
    method       text NOT NULL CHECK (method IN ('direct', 'retained', 'post', 'electronic', 'announcement', 'on_the_spot')),
    served_at    timestamptz NOT NULL,
    received_by  text NOT NULL,
    note         text NOT NULL DEFAULT '',
    actor_id     bigint,
    actor_name   text NOT NULL,
    actor_role   text NOT NULL,
    actor_post   text NOT NULL DEFAULT '',
    actor_org_id bigint,
    actor_org    text NOT NULL DEFAULT '',
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (case_no, doc_id) REFERENCES documents (case_no, doc_id),
    -- a client retrying the same record writes it once
    UNIQUE (case_no, doc_id, method, served_at, received_by)
);

CREATE FUNCTION document_services_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'document_services is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER document_services_append_only BEFORE UPDATE OR DELETE ON document_services
    FOR EACH ROW EXECUTE FUNCTION document_services_append_only();
CREATE TRIGGER document_services_no_truncate BEFORE TRUNCATE ON document_services
    FOR EACH STATEMENT EXECUTE FUNCTION document_services_append_only();
