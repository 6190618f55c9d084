-- The organisation, the case read model, the audit log and the policies.
-- Temporal holds each case's live state; these tables are what lists,
-- statistics, permissions and accountability read.

-- 行政区划: a subtree is a prefix of path, so "this region and below" is
-- one index range scan and one Ladon pattern.
CREATE TABLE regions (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    level       text NOT NULL CHECK (level IN ('province', 'city', 'county', 'township')),
    parent_code text REFERENCES regions (code),
    path        text NOT NULL UNIQUE CHECK (path LIKE '/%/')
);

-- Party committees, governments, departments, enterprises, rescue teams.
CREATE TABLE orgs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('party_committee', 'government', 'department', 'enterprise', 'rescue_team')),
    name        text NOT NULL,
    region_code text NOT NULL REFERENCES regions (code),
    -- a department: the industries it supervises; an enterprise: its own.
    industries  text[] NOT NULL DEFAULT '{}',
    -- the superior department or government that takes escalations.
    parent_id   bigint REFERENCES orgs (id)
);
CREATE INDEX orgs_region ON orgs (region_code);

CREATE TABLE persons (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         text NOT NULL UNIQUE,
    name          text NOT NULL,
    password_hash text
);

-- Posts held over time: a decision uses the posts held at its moment, and
-- the record keeps them, so accountability follows a person after transfer.
CREATE TABLE posts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id  bigint NOT NULL REFERENCES persons (id),
    org_id     bigint NOT NULL REFERENCES orgs (id),
    role       text NOT NULL,
    title      text NOT NULL,
    portfolio  text[] NOT NULL DEFAULT '{}',
    started_on date NOT NULL,
    ended_on   date,
    UNIQUE (person_id, org_id, role, started_on),
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX posts_person ON posts (person_id);

-- Case numbers are allocated per kind, region and year without gaps under
-- concurrency: one row lock per counter.
CREATE TABLE case_numbers (
    kind        text NOT NULL,
    region_code text NOT NULL,
    year        int NOT NULL,
    last        int NOT NULL,
    PRIMARY KEY (kind, region_code, year)
);

-- The read model: one row per case of any kind. seq is the workflow's
-- step counter; a write with a lower seq than the stored one is stale.
CREATE TABLE cases (
    workflow_id        text PRIMARY KEY,
    case_no            text NOT NULL UNIQUE,
    kind               text NOT NULL,
    state              text NOT NULL,
    grade              text NOT NULL DEFAULT '',
    region_code        text NOT NULL,
    region_path        text NOT NULL,
    industry           text NOT NULL DEFAULT '',
    enterprise_id      bigint,
    acting_org_id      bigint,
    parent_workflow_id text,
    rule_set           text NOT NULL,
    title              text NOT NULL DEFAULT '',
    overdue            boolean NOT NULL DEFAULT false,
    ladder_due         boolean NOT NULL DEFAULT false,
    next_deadline      timestamptz,
    seq                bigint NOT NULL,
    opened_at          timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    closed_at          timestamptz,
    view               jsonb NOT NULL
);
CREATE INDEX cases_region ON cases (region_path text_pattern_ops, state);
CREATE INDEX cases_enterprise ON cases (enterprise_id, state);
CREATE INDEX cases_open_deadline ON cases (next_deadline) WHERE closed_at IS NULL;

-- What is due, from whom, when: boards, reminders and statistics read this.
CREATE TABLE deadlines (
    workflow_id text NOT NULL REFERENCES cases (workflow_id),
    key         text NOT NULL,
    what        text NOT NULL,
    party       text NOT NULL,
    due_at      timestamptz NOT NULL,
    state       text NOT NULL CHECK (state IN ('pending', 'met', 'missed', 'paused', 'extended')),
    PRIMARY KEY (workflow_id, key)
);
CREATE INDEX deadlines_due ON deadlines (due_at) WHERE state IN ('pending', 'extended');

-- Append-only: one row per workflow step, keyed by (workflow_id, seq) so a
-- retried activity never writes a step twice.
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_id  text NOT NULL,
    seq          bigint NOT NULL,
    case_no      text NOT NULL,
    at           timestamptz NOT NULL,
    action       text NOT NULL,
    actor_id     bigint,
    actor_name   text NOT NULL,
    actor_role   text NOT NULL,
    actor_post   text NOT NULL DEFAULT '',
    actor_org_id bigint,
    actor_org    text NOT NULL DEFAULT '',
    state_before text NOT NULL,
    state_after  text NOT NULL,
    details      jsonb NOT NULL DEFAULT '{}',
    UNIQUE (workflow_id, seq)
);
CREATE INDEX audit_case ON audit_log (case_no, seq);

-- Ladon policies, stored as ladon's own JSON document.
CREATE TABLE policies (
    id         text PRIMARY KEY,
    doc        jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every API and worker process reloads its policy cache on this notice.
CREATE FUNCTION notify_policies_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('duty_policies_changed', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER policies_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON policies
    FOR EACH STATEMENT EXECUTE FUNCTION notify_policies_changed();

-- Installation-wide settings, e.g. the token signing key, so that every API
-- process of one installation accepts the same tokens.
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
