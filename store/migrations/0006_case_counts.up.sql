-- The statistics board at scale (查出隐患, 整改隐患, 整改率, 逾期, 行政处罚):
-- counting a city's cases row by row takes seconds at a million cases, so
-- the counts are kept per region, industry, grade and day the case was
-- opened (Beijing date), and the board sums those rows instead.
--
-- A trigger on the read model keeps them: every write of a case takes back
-- what its old row counted and adds what its new row counts, in the same
-- transaction as the step that changed it, whichever code path wrote it.
CREATE TABLE case_counts (
    region_path text   NOT NULL,
    industry    text   NOT NULL,
    grade       text   NOT NULL,
    opened_on   date   NOT NULL,
    found       bigint NOT NULL DEFAULT 0, -- hazards opened
    rectified   bigint NOT NULL DEFAULT 0, -- of those, closed (销号)
    overdue     bigint NOT NULL DEFAULT 0, -- of those, overdue and still open
    penalties   bigint NOT NULL DEFAULT 0, -- penalties decided
    PRIMARY KEY (region_path, industry, grade, opened_on)
);
CREATE INDEX case_counts_day ON case_counts (opened_on, region_path text_pattern_ops);

-- The states of a penalty that follow its decision.
CREATE FUNCTION penalty_decided(state text) RETURNS boolean IMMUTABLE LANGUAGE sql AS $$
    SELECT state IN ('decided', 'served', 'payment_overdue', 'reminded', 'paid', 'executed', 'enforcement')
$$;

-- case_counts_add adds sign times what one case row counts.
CREATE FUNCTION case_counts_add(r cases, sign int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    f int := CASE WHEN r.kind = 'hazard' THEN 1 ELSE 0 END;
    c int := CASE WHEN r.kind = 'hazard' AND r.state = 'closed' THEN 1 ELSE 0 END;
    o int := CASE WHEN r.kind = 'hazard' AND r.overdue AND r.closed_at IS NULL THEN 1 ELSE 0 END;
    p int := CASE WHEN r.kind = 'penalty' AND penalty_decided(r.state) THEN 1 ELSE 0 END;
BEGIN
    IF r.kind NOT IN ('hazard', 'penalty') THEN
        RETURN;
    END IF;
    INSERT INTO case_counts AS cc (region_path, industry, grade, opened_on, found, rectified, overdue, penalties)
    VALUES (r.region_path, r.industry, r.grade, ((r.opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date,
            sign * f, sign * c, sign * o, sign * p)
    ON CONFLICT (region_path, industry, grade, opened_on) DO UPDATE
       SET found = cc.found + EXCLUDED.found, rectified = cc.rectified + EXCLUDED.rectified,
           overdue = cc.overdue + EXCLUDED.overdue, penalties = cc.penalties + EXCLUDED.penalties;
END $$;

CREATE FUNCTION cases_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.kind = NEW.kind AND OLD.region_path = NEW.region_path AND OLD.industry = NEW.industry
       AND OLD.grade = NEW.grade AND OLD.opened_at = NEW.opened_at AND OLD.state = NEW.state
       AND OLD.overdue = NEW.overdue AND (OLD.closed_at IS NULL) = (NEW.closed_at IS NULL) THEN
        RETURN NULL; -- nothing counted changed (a reminder, a plea, …)
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM case_counts_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM case_counts_add(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cases_count AFTER INSERT OR UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_count();

-- The cases already there.
INSERT INTO case_counts (region_path, industry, grade, opened_on, found, rectified, overdue, penalties)
SELECT region_path, industry, grade, ((opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date,
       count(*) FILTER (WHERE kind = 'hazard'),
       count(*) FILTER (WHERE kind = 'hazard' AND state = 'closed'),
       count(*) FILTER (WHERE kind = 'hazard' AND overdue AND closed_at IS NULL),
       count(*) FILTER (WHERE kind = 'penalty' AND penalty_decided(state))
FROM cases WHERE kind IN ('hazard', 'penalty')
GROUP BY 1, 2, 3, 4;

-- The escalation board: the open escalations an organisation holds.
CREATE INDEX cases_open_escalations ON cases (acting_org_id) WHERE kind = 'escalation' AND closed_at IS NULL;
