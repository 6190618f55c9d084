-- The organisation a region moves in with (issue 15): enterprises with
-- their register fields and internal units, rescue teams' service
-- agreements, persons' identity numbers and phones, posts recorded with
-- who recorded them and on what document, and each region's record of
-- organisation changes as a hash-chained audit chain.

-- 1. Enterprises (and any organisation that has one) carry their
--    统一社会信用代码, the natural key of an import; a department's level
--    is its region's (regions.level), its sectors are industries, its
--    superior parent_id, as before.
ALTER TABLE orgs
    ADD COLUMN credit_code   text UNIQUE CHECK (credit_code ~ '^[0-9A-HJ-NP-RTUW-Y]{18}$'),
    ADD COLUMN address       text NOT NULL DEFAULT '',
    -- GB/T 4754-2017, digits of a 大类/中类/小类 or a 门类 letter
    -- (package org/industry); industries holds the sector it maps to.
    ADD COLUMN industry_code text NOT NULL DEFAULT '' CHECK (industry_code ~ '^([A-T]|[0-9]{2,4})?$'),
    -- 分类分级监管 (package org/riskclass); '' is not yet classified.
    ADD COLUMN risk_class    text NOT NULL DEFAULT '' CHECK (risk_class IN ('', 'A', 'B', 'C', 'D'));

-- The enterprise register is listed by name, a page at a time (keyset on
-- name, id), filtered by region, industry and risk class.
CREATE INDEX orgs_enterprises_by_name ON orgs (name, id) WHERE kind = 'enterprise';
CREATE INDEX orgs_enterprises_by_region ON orgs (region_code, name, id) WHERE kind = 'enterprise';
CREATE INDEX orgs_enterprises_by_industry ON orgs (industry_code text_pattern_ops) WHERE kind = 'enterprise';

-- 2. An organisation's own units (车间, 班组, 岗位…), a tree under it: what
--    the responsibility letters are signed down (全员安全生产责任制). The
--    parent must be a unit of the same organisation: (org_id, parent_id)
--    references (org_id, id).
CREATE TABLE org_units (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id    bigint NOT NULL REFERENCES orgs (id),
    -- the organisation's own key for the unit, e.g. its number in the
    -- enterprise's register; unique within the organisation.
    code      text NOT NULL CHECK (code <> ''),
    kind      text NOT NULL CHECK (kind IN ('department', 'workshop', 'project', 'team', 'post')),
    name      text NOT NULL,
    parent_id bigint,
    UNIQUE (org_id, code),
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, parent_id) REFERENCES org_units (org_id, id),
    CHECK (parent_id IS NULL OR parent_id <> id)
);

-- 3. Which enterprises a rescue team serves (救援服务协议), over time: the
--    team inspects each at least once a year. valid_to is the last day
--    covered, as the agreement states it (有效期至); NULL: open-ended.
CREATE TABLE rescue_agreements (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id       bigint NOT NULL REFERENCES orgs (id),
    enterprise_id bigint NOT NULL REFERENCES orgs (id),
    valid_from    date NOT NULL,
    valid_to      date,
    document      text NOT NULL DEFAULT '',
    UNIQUE (team_id, enterprise_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX rescue_agreements_enterprise ON rescue_agreements (enterprise_id);

-- 4. Personal information (个人信息保护法) apart from persons: the rows
--    every list joins carry no identity number or phone, so a query that
--    forgets to mask cannot leak them. Only store.PersonalInfo reads
--    this table whole, and its caller must have checked that the reader
--    administers the person and record the read (personal_reads).
CREATE TABLE person_private (
    person_id bigint PRIMARY KEY REFERENCES persons (id),
    -- 居民身份证号, canonical (package org/personal): the natural key of
    -- a person in an import.
    id_number text UNIQUE CHECK (id_number ~ '^[0-9]{17}[0-9X]$'),
    phone     text CHECK (phone ~ '^1[3-9][0-9]{9}$')
);

-- Who read a person's full record, when and why: append-only, like the
-- audit log.
CREATE TABLE personal_reads (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES persons (id),
    reader_id bigint NOT NULL REFERENCES persons (id),
    at        timestamptz NOT NULL,
    purpose   text NOT NULL
);
CREATE INDEX personal_reads_person ON personal_reads (person_id, at);
CREATE TRIGGER personal_reads_append_only BEFORE UPDATE OR DELETE ON personal_reads
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER personal_reads_no_truncate BEFORE TRUNCATE ON personal_reads
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

-- 5. Posts: ended_on becomes the first day the post is no longer held
--    (it was the last day held), so that a transfer ends one post and
--    starts the next on the same date without a day held twice, and a
--    post ended today is not held today: access ends when the post
--    does. Existing ends move one day on to mean what they meant.
UPDATE posts SET ended_on = ended_on + 1 WHERE ended_on IS NOT NULL;
ALTER TABLE posts
    -- the internal unit the post is in (安全员 of 一车间), if any.
    ADD COLUMN unit_id      bigint REFERENCES org_units (id),
    -- who recorded the appointment and the end, on what document (任免
    -- 文件 文号); the organisation record has the full step.
    ADD COLUMN appointed_by bigint REFERENCES persons (id),
    ADD COLUMN appoint_doc  text NOT NULL DEFAULT '',
    ADD COLUMN ended_by     bigint REFERENCES persons (id),
    ADD COLUMN end_doc      text NOT NULL DEFAULT '';
CREATE INDEX posts_org ON posts (org_id, role);

-- 6. Each region's organisation changes are a chain of their own in
--    audit_log, as its policy changes are (0017): workflow_id
--    'org/<region code>', case_no 'ORG-<region code>', seq 1, 2, …;
--    org_chains keeps each chain's last seq for `duty audit verify`.
CREATE TABLE org_chains (
    workflow_id text PRIMARY KEY,
    region_code text NOT NULL REFERENCES regions (code),
    seq         bigint NOT NULL CHECK (seq > 0),
    CHECK (workflow_id = 'org/' || region_code)
);

-- 7. Posts decide permissions, and every process reads a caller's posts
--    afresh on each request, so an ended post stops counting at once.
--    This notice is for what caches organisation facts (the generated
--    policies, a future session cache): the payload is the table.
CREATE FUNCTION notify_org_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('duty_org_changed', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER posts_changed AFTER INSERT OR UPDATE OR DELETE ON posts
    FOR EACH STATEMENT EXECUTE FUNCTION notify_org_changed();
CREATE TRIGGER orgs_changed AFTER INSERT OR UPDATE OR DELETE ON orgs
    FOR EACH STATEMENT EXECUTE FUNCTION notify_org_changed();
