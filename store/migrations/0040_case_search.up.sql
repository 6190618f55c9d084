-- Finding cases (issue 16): search by number, enterprise, place and text,
-- and filters by grade, period and officer, over the read model.
--
-- pg_trgm ships with PostgreSQL's server package (contrib, in Debian's
-- postgresql-15) and is a trusted extension: the owner of the database
-- may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Where the case happened and everything a search matches, derived from
-- the view every step writes, so that no workflow and no writer changes
-- and the cases already recorded are filled in by this migration. The
-- kinds keep them at different places of their views: a hazard's report
-- its location and description, an accident's report its place and
-- description, a talk's notice its place and subject, a penalty its facts
-- (违法事实), an escalation its summary.
ALTER TABLE cases
    ADD COLUMN place text NOT NULL GENERATED ALWAYS AS (
        coalesce(view->'report'->>'location', view->'report'->>'place', view->'notice'->>'place', '')) STORED,
    ADD COLUMN search text NOT NULL GENERATED ALWAYS AS (lower(
        case_no || ' ' || coalesce(view->'enterprise'->>'name', '') || ' ' || title || ' ' ||
        coalesce(view->'report'->>'location', view->'report'->>'place', view->'notice'->>'place', '') || ' ' ||
        coalesce(view->'report'->>'description', '') || ' ' || coalesce(view->'notice'->>'subject', '') || ' ' ||
        coalesce(view->'case'->>'facts', '') || ' ' || coalesce(view->'request'->>'summary', ''))) STORED;

-- A substring of three characters or more is found through the trigram
-- index (in a C.UTF-8 cluster a Chinese character counts as a letter);
-- one or two characters scan what the other conditions leave.
CREATE INDEX cases_search ON cases USING gin (search gin_trgm_ops);
-- A period of opening, alone or with a grade: at a million cases neither
-- is found by the region index without reading most of it.
CREATE INDEX cases_opened ON cases (opened_at);
CREATE INDEX cases_grade ON cases (grade, opened_at) WHERE grade <> '';
