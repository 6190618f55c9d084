-- 检查企业N家 (issue 17) for any period, from counts. 0044 counted the
-- periods starting on a month's first day within one year from counts of
-- first inspections, and any other (a mid-month start, two years) from a
-- row per inspected enterprise: 0.3–0.7 s at 1,000,000 inspections.
--
-- Within one cell (region, sector, risk class), an enterprise's distinct
-- inspection days are d1 < d2 < … An enterprise inspected in [a, b] is
-- counted once, by its first day there: the day di in [a, b] whose
-- previous day d(i-1) is before a (or that has none). So
--
--     enterprises(a, b) = #{days in [a, b]} − #{pairs (p, d): a ≤ p, d ≤ b}
--
-- where a pair is an enterprise's two consecutive inspection days: the
-- second term takes off the repeat days whose previous one is inside the
-- period too. Both are counts, kept per cell: the days by day, and the
-- pairs by (p, d). Read at day resolution a period's pairs are as many as
-- its repeat inspections; so each count is kept at several resolutions —
-- the day, the dekad (旬: days 1–10, 11–20, 21–end), the month, and for
-- whole years the year — and a period is cut into its whole years or
-- months, whole dekads and single days at either end: a few dozen rows a
-- cell for any period, of any length.
--
-- An enterprise inspected in two cells (two sectors, moved, or classed
-- again) counts in both; where a group or the total holds both, it is
-- taken off as before, from its rows of days by year, marked shared — now
-- across all years, since a period may span them.
DROP TRIGGER inspected_enterprise_years_count ON cases;
DROP FUNCTION inspected_enterprise_years_count();
DROP FUNCTION inspected_counts_from_years();
DROP FUNCTION inspected_day_mark(cases, int);
DROP FUNCTION inspected_firsts_move(text, text, smallint, bit(366), bit(366));
DROP FUNCTION inspected_first(bit(366), int);
DROP TABLE inspected_firsts_monthly;
DROP TABLE inspected_firsts_daily;
DROP TABLE inspected_enterprise_cells;
DROP TABLE inspected_enterprise_years;

-- Each enterprise's distinct inspection days in a cell, and how many
-- inspections fell on each: where a day's neighbours are looked up.
CREATE TABLE inspected_enterprise_days (
    enterprise_id bigint NOT NULL,
    region_path   text NOT NULL,
    industry      text NOT NULL,
    risk_class    text NOT NULL,
    day           date NOT NULL,
    inspections   int NOT NULL,
    PRIMARY KEY (enterprise_id, region_path, industry, risk_class, day)
);

-- The enterprise's cells: its row is the lock that orders two steps
-- inspecting one enterprise (they read each other's days), and how many
-- cells it has says whether its rows are shared.
CREATE TABLE inspected_enterprises (
    enterprise_id bigint PRIMARY KEY,
    cells         int NOT NULL
);
CREATE TABLE inspected_enterprise_cells (
    enterprise_id bigint NOT NULL,
    region_path   text NOT NULL,
    industry      text NOT NULL,
    risk_class    text NOT NULL,
    days          bigint NOT NULL,
    PRIMARY KEY (enterprise_id, region_path, industry, risk_class)
);

-- 0044's days of a year as bits, for the shared enterprises' correction.
CREATE TABLE inspected_enterprise_years (
    region_path   text NOT NULL,
    industry      text NOT NULL,
    risk_class    text NOT NULL,
    year          smallint NOT NULL,
    enterprise_id bigint NOT NULL,
    days          bit(366) NOT NULL,
    shared        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (year, region_path, industry, risk_class, enterprise_id)
);
CREATE INDEX inspected_enterprise_years_enterprise ON inspected_enterprise_years (enterprise_id);
CREATE INDEX inspected_enterprise_years_shared ON inspected_enterprise_years (year, region_path text_pattern_ops) WHERE shared;

-- Resolutions: 0 the day, 1 the dekad (旬), 2 the month, 3 the year; a
-- day's key at each is the first day of its dekad, month or year.
CREATE FUNCTION inspected_key(d date, level int) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE level WHEN 0 THEN d
                      WHEN 1 THEN d - (extract(day FROM d)::int - 1) + least((extract(day FROM d)::int - 1) / 10, 2) * 10
                      WHEN 2 THEN d - (extract(day FROM d)::int - 1)
                      ELSE d - (extract(doy FROM d)::int - 1) END
$$;

-- The resolutions pairs are kept under: each end by day, dekad or month,
-- and both by year (for periods of whole years).
CREATE FUNCTION inspected_pair_levels() RETURNS TABLE (pl int, dl int) LANGUAGE sql IMMUTABLE AS $$
    SELECT pl, dl FROM generate_series(0, 2) pl, generate_series(0, 2) dl
    UNION ALL SELECT 3, 3
$$;

-- Enterprise-days per cell, by day, dekad, month and year.
CREATE TABLE inspected_day_counts (
    level       smallint NOT NULL,
    day         date NOT NULL,
    region_path text NOT NULL,
    industry    text NOT NULL,
    risk_class  text NOT NULL,
    enterprises bigint NOT NULL,
    PRIMARY KEY (level, day, region_path, industry, risk_class)
);

-- Consecutive inspection days (p, d) of an enterprise per cell, by the
-- resolution of each end: every pair is counted under all ten
-- (inspected_pair_levels).
CREATE TABLE inspected_pairs (
    plevel      smallint NOT NULL,
    dlevel      smallint NOT NULL,
    p           date NOT NULL,
    d           date NOT NULL,
    region_path text NOT NULL,
    industry    text NOT NULL,
    risk_class  text NOT NULL,
    pairs       bigint NOT NULL,
    PRIMARY KEY (plevel, dlevel, p, d, region_path, industry, risk_class)
);

-- The board reads a few thousand of these rows at a time: scanned by one
-- process (starting workers costs more than it saves here, and far more
-- on busy cores), and with room in each page for an update to stay in it
-- (HOT), so that rows of neighbouring keys stay together.
ALTER TABLE inspected_day_counts SET (parallel_workers = 0, fillfactor = 80);
ALTER TABLE inspected_pairs SET (parallel_workers = 0, fillfactor = 80);
ALTER TABLE inspected_enterprise_years SET (parallel_workers = 0);

-- The Beijing day an inspection counts on.
CREATE OR REPLACE FUNCTION inspected_on(r cases) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT ((r.opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date
$$;

-- A cell's counts move: days (day, sign) and pairs (p, d, sign), each
-- under every resolution, one statement a table, summed by key first (an
-- upsert may touch a row once).
CREATE FUNCTION inspected_counts_move(path text, ind text, cls text, day_moves jsonb, pair_moves jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO inspected_day_counts AS c (level, day, region_path, industry, risk_class, enterprises)
    SELECT l, inspected_key((x->>0)::date, l), path, ind, cls, sum((x->>1)::int)
    FROM jsonb_array_elements(day_moves) x, generate_series(0, 3) l
    GROUP BY 1, 2
    ON CONFLICT (level, day, region_path, industry, risk_class) DO UPDATE SET enterprises = c.enterprises + EXCLUDED.enterprises;
    INSERT INTO inspected_pairs AS c (plevel, dlevel, p, d, region_path, industry, risk_class, pairs)
    SELECT pl, dl, inspected_key((x->>0)::date, pl), inspected_key((x->>1)::date, dl), path, ind, cls, sum((x->>2)::int)
    FROM jsonb_array_elements(pair_moves) x, inspected_pair_levels()
    GROUP BY 1, 2, 3, 4
    HAVING sum((x->>2)::int) <> 0
    ON CONFLICT (plevel, dlevel, p, d, region_path, industry, risk_class) DO UPDATE SET pairs = c.pairs + EXCLUDED.pairs;
$$;

-- An inspection arrives (v = 1) or leaves (v = -1; deleted, or moved to
-- another day, region, sector, class or enterprise). Only a day gained or
-- lost moves the counts: the pairs around it are relinked (an inspection
-- opened out of order, before the enterprise's latest, splits a pair in
-- two; one that leaves joins its neighbours). The enterprise's row is
-- locked first, so that two steps inspecting one enterprise read each
-- other's days one after the other.
CREATE FUNCTION inspected_mark(r cases, v int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d date := inspected_on(r);
    y smallint := extract(year FROM d)::smallint;
    k int;
    prev date;
    nxt date;
    ncells int;
    moves jsonb := '[]';
    bits bit(366);
BEGIN
    INSERT INTO inspected_enterprises (enterprise_id, cells) VALUES (r.enterprise_id, 0) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM inspected_enterprises WHERE enterprise_id = r.enterprise_id FOR UPDATE;
    IF v = 1 THEN
        INSERT INTO inspected_enterprise_days AS x (enterprise_id, region_path, industry, risk_class, day, inspections)
        VALUES (r.enterprise_id, r.region_path, r.industry, r.risk_class, d, 1)
        ON CONFLICT (enterprise_id, region_path, industry, risk_class, day) DO UPDATE SET inspections = x.inspections + 1
        RETURNING inspections INTO k;
        IF k > 1 THEN
            RETURN; -- the enterprise was inspected that day already
        END IF;
    ELSE
        UPDATE inspected_enterprise_days SET inspections = inspections - 1
        WHERE enterprise_id = r.enterprise_id AND region_path = r.region_path AND industry = r.industry AND risk_class = r.risk_class AND day = d
        RETURNING inspections INTO k;
        IF k IS NULL OR k > 0 THEN
            RETURN;
        END IF;
        DELETE FROM inspected_enterprise_days
        WHERE enterprise_id = r.enterprise_id AND region_path = r.region_path AND industry = r.industry AND risk_class = r.risk_class AND day = d;
    END IF;
    SELECT max(day) INTO prev FROM inspected_enterprise_days
    WHERE enterprise_id = r.enterprise_id AND region_path = r.region_path AND industry = r.industry AND risk_class = r.risk_class AND day < d;
    SELECT min(day) INTO nxt FROM inspected_enterprise_days
    WHERE enterprise_id = r.enterprise_id AND region_path = r.region_path AND industry = r.industry AND risk_class = r.risk_class AND day > d;
    IF prev IS NOT NULL THEN
        moves := moves || jsonb_build_array(jsonb_build_array(prev, d, v));
    END IF;
    IF nxt IS NOT NULL THEN
        moves := moves || jsonb_build_array(jsonb_build_array(d, nxt, v));
    END IF;
    IF prev IS NOT NULL AND nxt IS NOT NULL THEN
        moves := moves || jsonb_build_array(jsonb_build_array(prev, nxt, -v));
    END IF;
    PERFORM inspected_counts_move(r.region_path, r.industry, r.risk_class, jsonb_build_array(jsonb_build_array(d, v)), moves);

    -- The cell's days, and whether the enterprise is in more cells than one.
    INSERT INTO inspected_enterprise_cells AS c (enterprise_id, region_path, industry, risk_class, days)
    VALUES (r.enterprise_id, r.region_path, r.industry, r.risk_class, v)
    ON CONFLICT (enterprise_id, region_path, industry, risk_class) DO UPDATE SET days = c.days + EXCLUDED.days
    RETURNING days INTO k;
    IF k = 0 THEN
        DELETE FROM inspected_enterprise_cells
        WHERE enterprise_id = r.enterprise_id AND region_path = r.region_path AND industry = r.industry AND risk_class = r.risk_class;
    END IF;
    IF k = 0 OR (v = 1 AND k = 1) THEN
        UPDATE inspected_enterprises SET cells = inspected_enterprises.cells + v WHERE enterprise_id = r.enterprise_id
        RETURNING inspected_enterprises.cells INTO ncells;
        UPDATE inspected_enterprise_years SET shared = ncells > 1 WHERE enterprise_id = r.enterprise_id AND shared <> (ncells > 1);
    ELSE
        SELECT e.cells INTO ncells FROM inspected_enterprises e WHERE enterprise_id = r.enterprise_id;
    END IF;
    -- The day's bit.
    INSERT INTO inspected_enterprise_years AS x (region_path, industry, risk_class, year, enterprise_id, days, shared)
    VALUES (r.region_path, r.industry, r.risk_class, y, r.enterprise_id,
            set_bit(B'0'::bit(366), extract(doy FROM d)::int - 1, greatest(v, 0)), ncells > 1)
    ON CONFLICT (year, region_path, industry, risk_class, enterprise_id)
    DO UPDATE SET days = set_bit(x.days, extract(doy FROM d)::int - 1, greatest(v, 0))
    RETURNING days INTO bits;
    IF bit_count(bits) = 0 THEN
        DELETE FROM inspected_enterprise_years
        WHERE year = y AND region_path = r.region_path AND industry = r.industry AND risk_class = r.risk_class AND enterprise_id = r.enterprise_id;
    END IF;
END $$;

-- Only an inspection's key counts here: its steps (items, signatures)
-- change nothing and write nothing.
CREATE FUNCTION inspected_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.kind = NEW.kind AND OLD.region_path = NEW.region_path AND OLD.industry = NEW.industry
       AND OLD.risk_class = NEW.risk_class AND OLD.opened_at = NEW.opened_at AND OLD.enterprise_id IS NOT DISTINCT FROM NEW.enterprise_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'inspection' AND OLD.enterprise_id IS NOT NULL THEN
        PERFORM inspected_mark(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kind = 'inspection' AND NEW.enterprise_id IS NOT NULL THEN
        PERFORM inspected_mark(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER inspected_count AFTER INSERT OR UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION inspected_count();

-- Every count from the cases as they are: for the inspections already
-- there, and a benchmark that writes its inspections in bulk.
CREATE FUNCTION inspected_counts_from_cases() RETURNS void LANGUAGE sql AS $$
    DELETE FROM inspected_enterprise_days;
    DELETE FROM inspected_enterprise_cells;
    DELETE FROM inspected_enterprises;
    DELETE FROM inspected_enterprise_years;
    DELETE FROM inspected_day_counts;
    DELETE FROM inspected_pairs;
    INSERT INTO inspected_enterprise_days (enterprise_id, region_path, industry, risk_class, day, inspections)
    SELECT enterprise_id, region_path, industry, risk_class, inspected_on(cases), count(*)
    FROM cases WHERE kind = 'inspection' AND enterprise_id IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO inspected_enterprise_cells (enterprise_id, region_path, industry, risk_class, days)
    SELECT enterprise_id, region_path, industry, risk_class, count(*) FROM inspected_enterprise_days GROUP BY 1, 2, 3, 4;
    INSERT INTO inspected_enterprises (enterprise_id, cells)
    SELECT enterprise_id, count(*) FROM inspected_enterprise_cells GROUP BY 1;
    INSERT INTO inspected_enterprise_years (region_path, industry, risk_class, year, enterprise_id, days, shared)
    SELECT x.region_path, x.industry, x.risk_class, extract(year FROM x.day)::smallint, x.enterprise_id,
           bit_or(set_bit(B'0'::bit(366), extract(doy FROM x.day)::int - 1, 1)), bool_or(e.cells > 1)
    FROM inspected_enterprise_days x JOIN inspected_enterprises e USING (enterprise_id)
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 4, 1, 2, 3, 5;
    INSERT INTO inspected_day_counts (level, day, region_path, industry, risk_class, enterprises)
    SELECT l, inspected_key(day, l), region_path, industry, risk_class, count(*)
    FROM inspected_enterprise_days, generate_series(0, 3) l
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5; -- in the key's order, as a board reads them
    INSERT INTO inspected_pairs (plevel, dlevel, p, d, region_path, industry, risk_class, pairs)
    SELECT pl, dl, inspected_key(p, pl), inspected_key(d, dl), region_path, industry, risk_class, count(*)
    FROM (SELECT region_path, industry, risk_class, day AS d,
                 lag(day) OVER (PARTITION BY enterprise_id, region_path, industry, risk_class ORDER BY day) AS p
          FROM inspected_enterprise_days) x, inspected_pair_levels()
    WHERE p IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ORDER BY 1, 2, 3, 4, 5, 6, 7;
$$;

SELECT inspected_counts_from_cases();
