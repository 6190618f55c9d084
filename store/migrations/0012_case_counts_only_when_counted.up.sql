-- The counts trigger took back a case's old row and added its new one
-- whenever its state changed, though most steps (an order, a plan and its
-- review, a completion…) change nothing the board counts. Each such step
-- upserted four count rows for nothing, and every case of a region,
-- sector, grade and day shares those rows: the steps of all of them queued
-- on the same row locks. Now the trigger compares what the old and the new
-- row count, and under which key, and does nothing when they are equal.

-- case_counted is what one case row counts, as a row of case_counts (the
-- key and 0 or 1 in each column); NULL for the kinds the board does not
-- count. The one place the counting rules are written.
CREATE FUNCTION case_counted(r cases) RETURNS case_counts LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.kind IN ('hazard', 'penalty') THEN ROW(
        r.region_path, r.industry, r.grade, ((r.opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date,
        CASE WHEN r.kind = 'hazard' THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'hazard' AND r.state = 'closed' THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'hazard' AND r.overdue AND r.closed_at IS NULL THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'penalty' AND penalty_decided(r.state) THEN 1 ELSE 0 END
    )::case_counts END
$$;

-- case_counts_add adds sign times what one case row counts, by day and by
-- month.
CREATE OR REPLACE FUNCTION case_counts_add(r cases, sign int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c case_counts := case_counted(r);
BEGIN
    IF c.region_path IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO case_counts AS cc (region_path, industry, grade, opened_on, found, rectified, overdue, penalties)
    VALUES (c.region_path, c.industry, c.grade, c.opened_on, sign * c.found, sign * c.rectified, sign * c.overdue, sign * c.penalties)
    ON CONFLICT (region_path, industry, grade, opened_on) DO UPDATE
       SET found = cc.found + EXCLUDED.found, rectified = cc.rectified + EXCLUDED.rectified,
           overdue = cc.overdue + EXCLUDED.overdue, penalties = cc.penalties + EXCLUDED.penalties;
    INSERT INTO case_counts_monthly AS cm (region_path, industry, grade, opened_month, found, rectified, overdue, penalties)
    VALUES (c.region_path, c.industry, c.grade, date_trunc('month', c.opened_on)::date,
            sign * c.found, sign * c.rectified, sign * c.overdue, sign * c.penalties)
    ON CONFLICT (region_path, industry, grade, opened_month) DO UPDATE
       SET found = cm.found + EXCLUDED.found, rectified = cm.rectified + EXCLUDED.rectified,
           overdue = cm.overdue + EXCLUDED.overdue, penalties = cm.penalties + EXCLUDED.penalties;
END $$;

CREATE OR REPLACE FUNCTION cases_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND case_counted(OLD) IS NOT DISTINCT FROM case_counted(NEW) THEN
        RETURN NULL; -- the step changed nothing the board counts
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM case_counts_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM case_counts_add(NEW, 1);
    END IF;
    RETURN NULL;
END $$;
