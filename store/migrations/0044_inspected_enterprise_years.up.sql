-- 检查企业N家 (issue 17) at a province's scale. 0043 kept a row per
-- enterprise and month and read the period's partial months from the
-- inspection cases, so a city's year was hundreds of thousands of rows to
-- count distinct (4.4 s at 1,000,000 inspections), and a period starting
-- mid-month scanned that month's inspections (2.5 s): both grow with the
-- inspections. Here an enterprise has one row per region, sector and year
-- it was inspected in, holding the days of that year it was inspected on
-- as bits (bit d: the year's day d+1 in Beijing): the enterprises
-- inspected in any period are the rows of the period's years whose days
-- meet the period's, at most one row per enterprise and year however
-- often it was inspected. The periods boards ask for most are answered
-- from counts kept beside those rows (below), a few rows a region and
-- sector.
--
-- Distinct enterprises are not a sum of counts by day or month: an
-- enterprise inspected in March and in May, or by two sectors, is one 家
-- of the period and of the total. Hence counts of first inspections, and
-- the enterprises of two cells taken off.
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
    -- The enterprise has rows in other cells this year too (below).
    shared        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (year, region_path, industry, enterprise_id)
);
CREATE INDEX inspected_enterprise_years_region ON inspected_enterprise_years (year, region_path text_pattern_ops);
CREATE INDEX inspected_enterprise_years_enterprise ON inspected_enterprise_years (year, enterprise_id);
CREATE INDEX inspected_enterprise_years_shared ON inspected_enterprise_years (year, region_path text_pattern_ops) WHERE shared;

-- The Beijing day an inspection counts on.
CREATE FUNCTION inspected_on(r cases) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT ((r.opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date
$$;

-- Most periods a board asks for start on a month's first day within one
-- year (the year so far, the default; a year; a quarter; a month). The
-- enterprises a cell (region and sector) inspected in such a period are
-- those whose first inspection day since the month's start (in that year)
-- falls before the period's end: kept as counts by the month the period
-- starts and the month or day of that first inspection, so that board
-- reads a few rows a cell, not a row an enterprise.
CREATE TABLE inspected_firsts_monthly (
    region_path text NOT NULL,
    industry    text NOT NULL,
    year        smallint NOT NULL,
    since       smallint NOT NULL, -- the month the period starts
    first_month smallint NOT NULL, -- the month of the first inspection since
    enterprises bigint NOT NULL,
    PRIMARY KEY (year, since, region_path, industry, first_month)
);
CREATE TABLE inspected_firsts_daily (
    region_path text NOT NULL,
    industry    text NOT NULL,
    since       smallint NOT NULL,
    first_on    date NOT NULL,     -- the day of the first inspection since
    enterprises bigint NOT NULL,
    PRIMARY KEY (first_on, since, region_path, industry)
);

-- Summing cells counts an enterprise inspected in two of them (two
-- sectors, or moved) twice: the board takes those few off, reading the
-- rows marked shared. How many cells each enterprise has in a year is
-- counted here; the upsert's row lock orders two steps adding cells of
-- one enterprise, so the later one sees the earlier's row when it marks
-- them.
CREATE TABLE inspected_enterprise_cells (
    year          smallint NOT NULL,
    enterprise_id bigint NOT NULL,
    cells         int NOT NULL,
    PRIMARY KEY (year, enterprise_id)
);
CREATE INDEX inspected_enterprise_cells_shared ON inspected_enterprise_cells (year, enterprise_id) WHERE cells > 1;

-- The first day (0-based) at or after day p with a bit set, or -1.
CREATE FUNCTION inspected_first(days bit(366), p int) RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN i = 0 THEN -1 ELSE p + i - 1 END FROM position('1' IN substr(days::text, p + 1)) i
$$;

-- One enterprise's days in a cell and year went from old to new: the
-- first-inspection counts of every month a period may start follow. One
-- statement a table (an inspection opened in December may move twelve
-- months' counts): the step's transaction holds these rows' locks until
-- it commits, as it holds case_counts'.
CREATE FUNCTION inspected_firsts_move(path text, ind text, y smallint, old bit(366), new bit(366)) RETURNS void LANGUAGE sql AS $$
    WITH firsts AS (
        SELECT s, inspected_first(old, make_date(y, s, 1) - make_date(y, 1, 1)) AS f,
                  inspected_first(new, make_date(y, s, 1) - make_date(y, 1, 1)) AS t
        FROM generate_series(1, 12) s
    ), moves AS (
        SELECT s, make_date(y, 1, 1) + f AS day, -1 AS sign FROM firsts WHERE f <> t AND f >= 0
        UNION ALL
        SELECT s, make_date(y, 1, 1) + t, 1 FROM firsts WHERE f <> t AND t >= 0
    ), monthly AS (
        INSERT INTO inspected_firsts_monthly AS m (region_path, industry, year, since, first_month, enterprises)
        SELECT path, ind, y, s, extract(month FROM day), sum(sign) FROM moves GROUP BY s, extract(month FROM day)
        ON CONFLICT (year, since, region_path, industry, first_month) DO UPDATE SET enterprises = m.enterprises + EXCLUDED.enterprises
    )
    INSERT INTO inspected_firsts_daily AS d (region_path, industry, since, first_on, enterprises)
    SELECT path, ind, s, day, sum(sign) FROM moves GROUP BY s, day
    ON CONFLICT (first_on, since, region_path, industry) DO UPDATE SET enterprises = d.enterprises + EXCLUDED.enterprises
$$;

-- An inspection arrives (v = 1) or leaves (v = 0; deleted, or moved to
-- another day, region, sector or enterprise): its day's bit is set, or
-- cleared unless another inspection of the enterprise there still falls
-- on that day (leaving is rare, steps never move a case, so it may look
-- at the cases). The row is locked while it changes, so that concurrent
-- inspections of one enterprise move the counts one after the other.
CREATE FUNCTION inspected_day_mark(r cases, v int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d date := inspected_on(r);
    y smallint := extract(year FROM d)::smallint;
    n int := extract(doy FROM d)::int - 1;
    old bit(366);
    new bit(366);
BEGIN
    IF v = 0 AND EXISTS (SELECT 1 FROM cases c WHERE c.enterprise_id = r.enterprise_id AND c.kind = 'inspection'
                         AND c.region_path = r.region_path AND c.industry = r.industry AND inspected_on(c) = d) THEN
        RETURN;
    END IF;
    IF v = 1 THEN
        INSERT INTO inspected_enterprise_years (region_path, industry, year, enterprise_id, days)
        VALUES (r.region_path, r.industry, y, r.enterprise_id, B'0'::bit(366))
        ON CONFLICT DO NOTHING;
    END IF;
    SELECT days INTO old FROM inspected_enterprise_years
    WHERE year = y AND region_path = r.region_path AND industry = r.industry AND enterprise_id = r.enterprise_id FOR UPDATE;
    IF old IS NULL THEN
        RETURN;
    END IF;
    new := set_bit(old, n, v);
    IF new = old THEN
        RETURN;
    END IF;
    IF bit_count(new) = 0 THEN
        DELETE FROM inspected_enterprise_years
        WHERE year = y AND region_path = r.region_path AND industry = r.industry AND enterprise_id = r.enterprise_id;
    ELSE
        UPDATE inspected_enterprise_years SET days = new
        WHERE year = y AND region_path = r.region_path AND industry = r.industry AND enterprise_id = r.enterprise_id;
    END IF;
    IF bit_count(old) = 0 OR bit_count(new) = 0 THEN -- a cell more or less
        INSERT INTO inspected_enterprise_cells AS c (year, enterprise_id, cells)
        VALUES (y, r.enterprise_id, CASE WHEN bit_count(new) = 0 THEN -1 ELSE 1 END)
        ON CONFLICT (year, enterprise_id) DO UPDATE SET cells = c.cells + EXCLUDED.cells;
        UPDATE inspected_enterprise_years SET shared = NOT shared
        WHERE year = y AND enterprise_id = r.enterprise_id
          AND shared <> (SELECT cells > 1 FROM inspected_enterprise_cells WHERE year = y AND enterprise_id = r.enterprise_id);
    END IF;
    PERFORM inspected_firsts_move(r.region_path, r.industry, y, old, new);
END $$;

-- The counts, from the days as they are: for the rows already there
-- (and a benchmark that writes its inspections in bulk).
CREATE FUNCTION inspected_counts_from_years() RETURNS void LANGUAGE sql AS $$
    DELETE FROM inspected_firsts_monthly;
    DELETE FROM inspected_firsts_daily;
    DELETE FROM inspected_enterprise_cells;
    INSERT INTO inspected_enterprise_cells (year, enterprise_id, cells)
    SELECT year, enterprise_id, count(*) FROM inspected_enterprise_years GROUP BY 1, 2;
    UPDATE inspected_enterprise_years y SET shared = c.cells > 1
    FROM inspected_enterprise_cells c WHERE c.year = y.year AND c.enterprise_id = y.enterprise_id AND y.shared <> (c.cells > 1);
    INSERT INTO inspected_firsts_daily (region_path, industry, since, first_on, enterprises)
    SELECT region_path, industry, s, make_date(year, 1, 1) + f, count(*)
    FROM inspected_enterprise_years, generate_series(1, 12) s,
         LATERAL (SELECT inspected_first(days, make_date(year, s, 1) - make_date(year, 1, 1)) AS f) ff
    WHERE f >= 0
    GROUP BY 1, 2, 3, 4;
    INSERT INTO inspected_firsts_monthly (region_path, industry, year, since, first_month, enterprises)
    SELECT region_path, industry, extract(year FROM first_on), since, extract(month FROM first_on), sum(enterprises)
    FROM inspected_firsts_daily GROUP BY 1, 2, 3, 4, 5;
$$;

-- Only an inspection's key counts here: its steps (items, signatures)
-- change nothing and write nothing.
CREATE FUNCTION inspected_enterprise_years_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.kind = NEW.kind AND OLD.region_path = NEW.region_path AND OLD.industry = NEW.industry
       AND OLD.opened_at = NEW.opened_at AND OLD.enterprise_id IS NOT DISTINCT FROM NEW.enterprise_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'inspection' AND OLD.enterprise_id IS NOT NULL THEN
        PERFORM inspected_day_mark(OLD, 0);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kind = 'inspection' AND NEW.enterprise_id IS NOT NULL THEN
        PERFORM inspected_day_mark(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER inspected_enterprise_years_count AFTER INSERT OR UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION inspected_enterprise_years_count();

-- The inspections already there: each enterprise's days of each year,
-- then the counts from them.
INSERT INTO inspected_enterprise_years (region_path, industry, year, enterprise_id, days)
SELECT region_path, industry, extract(year FROM d)::smallint, enterprise_id,
       bit_or(set_bit(B'0'::bit(366), extract(doy FROM d)::int - 1, 1))
FROM (SELECT region_path, industry, enterprise_id, inspected_on(cases) AS d FROM cases
      WHERE kind = 'inspection' AND enterprise_id IS NOT NULL) i
GROUP BY region_path, industry, extract(year FROM d)::smallint, enterprise_id;
SELECT inspected_counts_from_years();
