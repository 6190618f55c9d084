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

-- The counts by class, beside the counts without it: every board query
-- that neither groups nor filters by class keeps reading as few rows as
-- before (the class multiplies a region and sector's rows up to five
-- times), and those that do read these. Same columns, same rules.
CREATE TABLE case_counts_classes (LIKE case_counts INCLUDING DEFAULTS);
ALTER TABLE case_counts_classes ADD COLUMN risk_class text NOT NULL DEFAULT '';
ALTER TABLE case_counts_classes ADD PRIMARY KEY (region_path, industry, grade, risk_class, opened_on);
CREATE INDEX case_counts_classes_day ON case_counts_classes (opened_on, region_path text_pattern_ops);
CREATE TABLE case_counts_classes_monthly (LIKE case_counts_monthly INCLUDING DEFAULTS);
ALTER TABLE case_counts_classes_monthly ADD COLUMN risk_class text NOT NULL DEFAULT '';
ALTER TABLE case_counts_classes_monthly ADD PRIMARY KEY (region_path, industry, grade, risk_class, opened_month);
CREATE INDEX case_counts_classes_monthly_month ON case_counts_classes_monthly (opened_month, region_path text_pattern_ops);

-- case_counts_add, as 0036 wrote it, writing the counts by class too.
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
    INSERT INTO case_counts_classes AS cc (region_path, industry, grade, risk_class, opened_on, found, rectified, overdue, penalties, inspections)
    VALUES (c.region_path, c.industry, c.grade, r.risk_class, c.opened_on, sign * c.found, sign * c.rectified, sign * c.overdue,
            sign * c.penalties, sign * c.inspections)
    ON CONFLICT (region_path, industry, grade, risk_class, opened_on) DO UPDATE
       SET found = cc.found + EXCLUDED.found, rectified = cc.rectified + EXCLUDED.rectified,
           overdue = cc.overdue + EXCLUDED.overdue, penalties = cc.penalties + EXCLUDED.penalties,
           inspections = cc.inspections + EXCLUDED.inspections;
    INSERT INTO case_counts_classes_monthly AS cm (region_path, industry, grade, risk_class, opened_month, found, rectified, overdue, penalties, inspections)
    VALUES (c.region_path, c.industry, c.grade, r.risk_class, date_trunc('month', c.opened_on)::date,
            sign * c.found, sign * c.rectified, sign * c.overdue, sign * c.penalties, sign * c.inspections)
    ON CONFLICT (region_path, industry, grade, risk_class, opened_month) DO UPDATE
       SET found = cm.found + EXCLUDED.found, rectified = cm.rectified + EXCLUDED.rectified,
           overdue = cm.overdue + EXCLUDED.overdue, penalties = cm.penalties + EXCLUDED.penalties,
           inspections = cm.inspections + EXCLUDED.inspections;
END $$;

-- A case's class recorded again moves its counts by class (steps never
-- do; the table allows it).
CREATE OR REPLACE FUNCTION cases_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND case_counted(OLD) IS NOT DISTINCT FROM case_counted(NEW) AND OLD.risk_class = NEW.risk_class THEN
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

-- The counts by class of the cases already there.
INSERT INTO case_counts_classes (region_path, industry, grade, risk_class, opened_on, found, rectified, overdue, penalties, inspections)
SELECT c.region_path, c.industry, c.grade, cases.risk_class, c.opened_on, sum(c.found), sum(c.rectified), sum(c.overdue), sum(c.penalties),
       sum(c.inspections)
FROM cases, LATERAL case_counted(cases) c WHERE c.region_path IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;
INSERT INTO case_counts_classes_monthly (region_path, industry, grade, risk_class, opened_month, found, rectified, overdue, penalties, inspections)
SELECT region_path, industry, grade, risk_class, date_trunc('month', opened_on)::date, sum(found), sum(rectified), sum(overdue), sum(penalties),
       sum(inspections)
FROM case_counts_classes GROUP BY 1, 2, 3, 4, 5;
