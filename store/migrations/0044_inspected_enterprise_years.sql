-- 检查企业N家 (issue 17) at a province's scale. 0043 kept a row per
-- enterprise and month and read the period's partial months from the
-- inspection cases, so a city's year was hundreds of thousands of rows to
-- count distinct, and a period starting mid-month scanned that month's
-- inspections: both grow with the inspections. Here an enterprise has one
-- row per region, sector and year it was inspected in, holding the days
-- of that year it was inspected on as bits (bit d: the year's day d+1 in
-- Beijing). The enterprises inspected in any period, whole months or not,
-- are the rows of the period's years whose days meet the period's: the
-- board reads at most one row per enterprise and year, however often it
-- was inspected.
--
-- Distinct enterprises cannot be summed from counts by region, sector and
-- month: an enterprise inspected in March and in May, or by two sectors,
-- is one 家 of the period and of the total. So the rows stay per
-- enterprise; what no longer counts is each inspection.
DROP TRIGGER inspected_enterprises_count ON cases;
DROP FUNCTION inspected_enterprises_count();
DROP FUNCTION inspected_enterprises_add(cases, int);
DROP TABLE inspected_enterprises;

CREATE TABLE inspected_enterprise_years (
    region_path   text NOT NULL,
    industry      text NOT NULL,
    year          smallint NOT NULL,
    enterprise_id bigint NOT NULL,
    days          bit(366) NOT NULL,
    PRIMARY KEY (year, region_path, industry, enterprise_id)
);
CREATE INDEX inspected_enterprise_years_region ON inspected_enterprise_years (year, region_path text_pattern_ops);

-- The Beijing day an inspection counts on.
CREATE FUNCTION inspected_on(r cases) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT ((r.opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date
$$;

-- An inspection arrives: its day's bit is set (an upsert, so the many
-- inspections of one enterprise's day write one bit).
CREATE FUNCTION inspected_day_set(r cases) RETURNS void LANGUAGE sql AS $$
    INSERT INTO inspected_enterprise_years AS y (region_path, industry, year, enterprise_id, days)
    VALUES (r.region_path, r.industry, extract(year FROM inspected_on(r))::smallint, r.enterprise_id,
            set_bit(B'0'::bit(366), extract(doy FROM inspected_on(r))::int - 1, 1))
    ON CONFLICT (year, region_path, industry, enterprise_id) DO UPDATE
       SET days = set_bit(y.days, extract(doy FROM inspected_on(r))::int - 1, 1)
$$;

-- An inspection leaves (deleted, or moved to another day, region, sector
-- or enterprise): its day's bit is cleared unless another inspection of
-- the enterprise there still falls on that day. Rare (steps never move a
-- case), so it may look at the cases; a row with no day left goes.
CREATE FUNCTION inspected_day_clear(r cases) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d date := inspected_on(r);
BEGIN
    IF EXISTS (SELECT 1 FROM cases c WHERE c.enterprise_id = r.enterprise_id AND c.kind = 'inspection'
               AND c.region_path = r.region_path AND c.industry = r.industry AND inspected_on(c) = d) THEN
        RETURN;
    END IF;
    UPDATE inspected_enterprise_years SET days = set_bit(days, extract(doy FROM d)::int - 1, 0)
    WHERE year = extract(year FROM d)::smallint AND region_path = r.region_path AND industry = r.industry AND enterprise_id = r.enterprise_id;
    DELETE FROM inspected_enterprise_years
    WHERE year = extract(year FROM d)::smallint AND region_path = r.region_path AND industry = r.industry AND enterprise_id = r.enterprise_id
      AND bit_count(days) = 0;
END $$;

-- Only an inspection's key counts here: its steps (items, signatures)
-- change nothing and write nothing.
CREATE FUNCTION inspected_enterprise_years_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.kind = NEW.kind AND OLD.region_path = NEW.region_path AND OLD.industry = NEW.industry
       AND OLD.opened_at = NEW.opened_at AND OLD.enterprise_id IS NOT DISTINCT FROM NEW.enterprise_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'inspection' AND OLD.enterprise_id IS NOT NULL THEN
        PERFORM inspected_day_clear(OLD);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kind = 'inspection' AND NEW.enterprise_id IS NOT NULL THEN
        PERFORM inspected_day_set(NEW);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER inspected_enterprise_years_count AFTER INSERT OR UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION inspected_enterprise_years_count();

-- The inspections already there: each enterprise's days of each year.
INSERT INTO inspected_enterprise_years (region_path, industry, year, enterprise_id, days)
SELECT region_path, industry, extract(year FROM d)::smallint, enterprise_id,
       bit_or(set_bit(B'0'::bit(366), extract(doy FROM d)::int - 1, 1))
FROM (SELECT region_path, industry, enterprise_id, inspected_on(cases) AS d FROM cases
      WHERE kind = 'inspection' AND enterprise_id IS NOT NULL) i
GROUP BY region_path, industry, extract(year FROM d)::smallint, enterprise_id;
