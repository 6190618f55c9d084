-- Inspections (现场检查, issue 17) are counted beside hazards and penalties,
-- so the board can say what regulators write in their reports: "检查企业N家
-- (次)，查出隐患M处，整改隐患K处". An inspection counts once, as one
-- inspection of an enterprise (一家次), by the day it was opened; the
-- hazards its failed items open count as hazards found like any other.
--
-- The kind arrives with this migration, so no case row counts yet: the
-- existing rows get 0 and nothing needs counting again.
ALTER TABLE case_counts ADD COLUMN inspections bigint NOT NULL DEFAULT 0;
ALTER TABLE case_counts_monthly ADD COLUMN inspections bigint NOT NULL DEFAULT 0;

-- case_counted, as 0012 wrote it, with inspections: the row type grew a
-- column, so the function is written again whole.
CREATE OR REPLACE FUNCTION case_counted(r cases) RETURNS case_counts LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.kind IN ('hazard', 'penalty', 'inspection') THEN ROW(
        r.region_path, r.industry, r.grade, ((r.opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date,
        CASE WHEN r.kind = 'hazard' THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'hazard' AND r.state = 'closed' THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'hazard' AND r.overdue AND r.closed_at IS NULL THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'penalty' AND penalty_decided(r.state) THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'inspection' THEN 1 ELSE 0 END
    )::case_counts END
$$;

CREATE OR REPLACE FUNCTION case_counts_add(r cases, sign int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c case_counts := case_counted(r);
BEGIN
    IF c.region_path IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO case_counts AS cc (region_path, industry, grade, opened_on, found, rectified, overdue, penalties, inspections)
    VALUES (c.region_path, c.industry, c.grade, c.opened_on, sign * c.found, sign * c.rectified, sign * c.overdue, sign * c.penalties,
            sign * c.inspections)
    ON CONFLICT (region_path, industry, grade, opened_on) DO UPDATE
       SET found = cc.found + EXCLUDED.found, rectified = cc.rectified + EXCLUDED.rectified,
           overdue = cc.overdue + EXCLUDED.overdue, penalties = cc.penalties + EXCLUDED.penalties,
           inspections = cc.inspections + EXCLUDED.inspections;
    INSERT INTO case_counts_monthly AS cm (region_path, industry, grade, opened_month, found, rectified, overdue, penalties, inspections)
    VALUES (c.region_path, c.industry, c.grade, date_trunc('month', c.opened_on)::date,
            sign * c.found, sign * c.rectified, sign * c.overdue, sign * c.penalties, sign * c.inspections)
    ON CONFLICT (region_path, industry, grade, opened_month) DO UPDATE
       SET found = cm.found + EXCLUDED.found, rectified = cm.rectified + EXCLUDED.rectified,
           overdue = cm.overdue + EXCLUDED.overdue, penalties = cm.penalties + EXCLUDED.penalties,
           inspections = cm.inspections + EXCLUDED.inspections;
END $$;
