-- Statistics by risk class (风险等级, 分类分级监督管理; issue 17). An
-- enterprise's class changes when it is classified again; the board must
-- not rewrite history when it does, so a case records the class its
-- enterprise had when the case opened, and keeps it: the board counts a
-- hazard found at a class-A enterprise as class A's even after the
-- enterprise becomes class B. "" is an enterprise not yet classified, or
-- a case of no enterprise.
ALTER TABLE cases ADD COLUMN risk_class text NOT NULL DEFAULT '';

-- The class is taken from the register when the case row is first
-- written (its first step); the steps after it upsert the row without
-- the column, so it stays. The register is the one source: no workflow
-- carries the class, and a replayed step cannot change it.
CREATE FUNCTION cases_risk_class() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.enterprise_id IS NOT NULL AND NEW.risk_class = '' THEN
        NEW.risk_class := coalesce((SELECT risk_class FROM orgs WHERE id = NEW.enterprise_id), '');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cases_risk_class BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION cases_risk_class();

-- The cases already there: the class on record now is the best the
-- register can say of the time they opened.
UPDATE cases c SET risk_class = o.risk_class FROM orgs o WHERE o.id = c.enterprise_id AND o.risk_class <> '';

-- The class joins the counts' key, by day and by month.
ALTER TABLE case_counts ADD COLUMN risk_class text NOT NULL DEFAULT '';
ALTER TABLE case_counts DROP CONSTRAINT case_counts_pkey;
ALTER TABLE case_counts ADD PRIMARY KEY (region_path, industry, grade, risk_class, opened_on);
ALTER TABLE case_counts_monthly ADD COLUMN risk_class text NOT NULL DEFAULT '';
ALTER TABLE case_counts_monthly DROP CONSTRAINT case_counts_monthly_pkey;
ALTER TABLE case_counts_monthly ADD PRIMARY KEY (region_path, industry, grade, risk_class, opened_month);

-- case_counted, as 0036 wrote it, with the class: the row type grew a
-- column (at its end), so the function is written again whole.
CREATE OR REPLACE FUNCTION case_counted(r cases) RETURNS case_counts LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.kind IN ('hazard', 'penalty', 'inspection') THEN ROW(
        r.region_path, r.industry, r.grade, ((r.opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date,
        CASE WHEN r.kind = 'hazard' THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'hazard' AND r.state = 'closed' THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'hazard' AND r.overdue AND r.closed_at IS NULL THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'penalty' AND penalty_decided(r.state) THEN 1 ELSE 0 END,
        CASE WHEN r.kind = 'inspection' THEN 1 ELSE 0 END,
        r.risk_class
    )::case_counts END
$$;

CREATE OR REPLACE FUNCTION case_counts_add(r cases, sign int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c case_counts := case_counted(r);
BEGIN
    IF c.region_path IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO case_counts AS cc (region_path, industry, grade, risk_class, opened_on, found, rectified, overdue, penalties, inspections)
    VALUES (c.region_path, c.industry, c.grade, c.risk_class, c.opened_on, sign * c.found, sign * c.rectified, sign * c.overdue,
            sign * c.penalties, sign * c.inspections)
    ON CONFLICT (region_path, industry, grade, risk_class, opened_on) DO UPDATE
       SET found = cc.found + EXCLUDED.found, rectified = cc.rectified + EXCLUDED.rectified,
           overdue = cc.overdue + EXCLUDED.overdue, penalties = cc.penalties + EXCLUDED.penalties,
           inspections = cc.inspections + EXCLUDED.inspections;
    INSERT INTO case_counts_monthly AS cm (region_path, industry, grade, risk_class, opened_month, found, rectified, overdue, penalties, inspections)
    VALUES (c.region_path, c.industry, c.grade, c.risk_class, date_trunc('month', c.opened_on)::date,
            sign * c.found, sign * c.rectified, sign * c.overdue, sign * c.penalties, sign * c.inspections)
    ON CONFLICT (region_path, industry, grade, risk_class, opened_month) DO UPDATE
       SET found = cm.found + EXCLUDED.found, rectified = cm.rectified + EXCLUDED.rectified,
           overdue = cm.overdue + EXCLUDED.overdue, penalties = cm.penalties + EXCLUDED.penalties,
           inspections = cm.inspections + EXCLUDED.inspections;
END $$;

-- The counts again, now by class.
DELETE FROM case_counts;
DELETE FROM case_counts_monthly;
INSERT INTO case_counts (region_path, industry, grade, risk_class, opened_on, found, rectified, overdue, penalties, inspections)
SELECT c.region_path, c.industry, c.grade, c.risk_class, c.opened_on, sum(c.found), sum(c.rectified), sum(c.overdue), sum(c.penalties),
       sum(c.inspections)
FROM cases, LATERAL case_counted(cases) c WHERE c.region_path IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;
INSERT INTO case_counts_monthly (region_path, industry, grade, risk_class, opened_month, found, rectified, overdue, penalties, inspections)
SELECT region_path, industry, grade, risk_class, date_trunc('month', opened_on)::date, sum(found), sum(rectified), sum(overdue), sum(penalties),
       sum(inspections)
FROM case_counts GROUP BY 1, 2, 3, 4, 5;
