-- A rescue team's preventive inspections missed in a year (issue 17;
-- 矿山救护队 preventive inspections, at least one a year of each enterprise
-- it serves): every enterprise it served at some time in the year but
-- never inspected that year, written once the year is over by the daily
-- duty sweep (workflow DutySweep). It is the team's record of that year,
-- and its head's: append-only (store.AppendOnlyTables), written with
-- ON CONFLICT DO NOTHING so a sweep run again adds nothing.
CREATE TABLE rescue_year_misses (
    team_id       bigint NOT NULL REFERENCES orgs (id),
    year          int NOT NULL,
    enterprise_id bigint NOT NULL REFERENCES orgs (id),
    recorded_at   timestamptz NOT NULL,
    PRIMARY KEY (team_id, year, enterprise_id)
);
