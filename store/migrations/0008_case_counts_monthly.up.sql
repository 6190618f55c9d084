-- The board's counts by month beside those by day: a year of a city is a
-- few thousand monthly rows instead of a hundred thousand daily ones. A
-- period is read as its whole months from here and its partial months at
-- either end from case_counts. The same trigger keeps both.
CREATE TABLE case_counts_monthly (
    region_path  text   NOT NULL,
    industry     text   NOT NULL,
    grade        text   NOT NULL,
    opened_month date   NOT NULL, -- the first day of the month (Beijing)
    found        bigint NOT NULL DEFAULT 0,
    rectified    bigint NOT NULL DEFAULT 0,
    overdue      bigint NOT NULL DEFAULT 0,
    penalties    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (region_path, industry, grade, opened_month)
);
CREATE INDEX case_counts_monthly_month ON case_counts_monthly (opened_month, region_path text_pattern_ops);

CREATE OR REPLACE FUNCTION case_counts_add(r cases, sign int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    f int := CASE WHEN r.kind = 'hazard' THEN 1 ELSE 0 END;
    c int := CASE WHEN r.kind = 'hazard' AND r.state = 'closed' THEN 1 ELSE 0 END;
    o int := CASE WHEN r.kind = 'hazard' AND r.overdue AND r.closed_at IS NULL THEN 1 ELSE 0 END;
    p int := CASE WHEN r.kind = 'penalty' AND penalty_decided(r.state) THEN 1 ELSE 0 END;
    d date := ((r.opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date;
BEGIN
    IF r.kind NOT IN ('hazard', 'penalty') THEN
        RETURN;
    END IF;
    INSERT INTO case_counts AS cc (region_path, industry, grade, opened_on, found, rectified, overdue, penalties)
    VALUES (r.region_path, r.industry, r.grade, d, sign * f, sign * c, sign * o, sign * p)
    ON CONFLICT (region_path, industry, grade, opened_on) DO UPDATE
       SET found = cc.found + EXCLUDED.found, rectified = cc.rectified + EXCLUDED.rectified,
           overdue = cc.overdue + EXCLUDED.overdue, penalties = cc.penalties + EXCLUDED.penalties;
    INSERT INTO case_counts_monthly AS cm (region_path, industry, grade, opened_month, found, rectified, overdue, penalties)
    VALUES (r.region_path, r.industry, r.grade, date_trunc('month', d)::date, sign * f, sign * c, sign * o, sign * p)
    ON CONFLICT (region_path, industry, grade, opened_month) DO UPDATE
       SET found = cm.found + EXCLUDED.found, rectified = cm.rectified + EXCLUDED.rectified,
           overdue = cm.overdue + EXCLUDED.overdue, penalties = cm.penalties + EXCLUDED.penalties;
END $$;

INSERT INTO case_counts_monthly (region_path, industry, grade, opened_month, found, rectified, overdue, penalties)
SELECT region_path, industry, grade, date_trunc('month', opened_on)::date, sum(found), sum(rectified), sum(overdue), sum(penalties)
FROM case_counts GROUP BY 1, 2, 3, 4;
