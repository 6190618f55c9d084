-- The board's "检查企业N家(次)" (issue 17): N 家 is distinct enterprises
-- over the period, which daily or monthly counts cannot give (an
-- enterprise inspected in March and in May is one 家, two 次). So the
-- inspections are kept per enterprise and month opened, beside the
-- counts: a year of a province is at most 12 rows an inspected enterprise,
-- and the board counts distinct ids over those rows (and over the
-- inspection cases of the partial months at the period's ends).
CREATE TABLE inspected_enterprises (
    region_path   text NOT NULL,
    industry      text NOT NULL,
    opened_month  date NOT NULL,
    enterprise_id bigint NOT NULL,
    inspections   bigint NOT NULL,
    PRIMARY KEY (region_path, industry, opened_month, enterprise_id)
);
CREATE INDEX inspected_enterprises_month ON inspected_enterprises (opened_month, region_path text_pattern_ops);

-- The inspection cases of a partial month, by region and day.
CREATE INDEX cases_inspections_opened ON cases (region_path text_pattern_ops, opened_at) WHERE kind = 'inspection';

CREATE FUNCTION inspected_enterprises_add(r cases, sign int) RETURNS void LANGUAGE sql AS $$
    INSERT INTO inspected_enterprises AS ie (region_path, industry, opened_month, enterprise_id, inspections)
    VALUES (r.region_path, r.industry, date_trunc('month', (r.opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date, r.enterprise_id, sign)
    ON CONFLICT (region_path, industry, opened_month, enterprise_id) DO UPDATE
       SET inspections = ie.inspections + EXCLUDED.inspections
$$;

-- Only an inspection's key counts here: its steps (items, signatures)
-- change nothing and write nothing.
CREATE FUNCTION inspected_enterprises_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.kind = NEW.kind AND OLD.region_path = NEW.region_path AND OLD.industry = NEW.industry
       AND OLD.opened_at = NEW.opened_at AND OLD.enterprise_id IS NOT DISTINCT FROM NEW.enterprise_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'inspection' AND OLD.enterprise_id IS NOT NULL THEN
        PERFORM inspected_enterprises_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kind = 'inspection' AND NEW.enterprise_id IS NOT NULL THEN
        PERFORM inspected_enterprises_add(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER inspected_enterprises_count AFTER INSERT OR UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION inspected_enterprises_count();

-- The inspections already there.
INSERT INTO inspected_enterprises (region_path, industry, opened_month, enterprise_id, inspections)
SELECT region_path, industry, date_trunc('month', (opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date, enterprise_id, count(*)
FROM cases WHERE kind = 'inspection' AND enterprise_id IS NOT NULL
GROUP BY 1, 2, 3, 4;
