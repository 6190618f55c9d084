-- Prevention duties (issue 18): what each enterprise owes on a cadence —
-- filing its emergency plan, drilling it — as one row per enterprise and
-- kind of duty, updated in place as cycles pass. A met duty moves the row
-- to its next cycle (cycle + 1, the next due date), so the row never grows
-- with the years; the proof of each cycle is the record of its own case.
-- A missed one is found by the daily sweep (workflow DutySweep, started by
-- a Temporal Schedule) through the partial index below, which holds only
-- the rows the sweep may still act on; it opens the order to correct under
-- a case number allocated here once, so a sweep run again never opens a
-- second order for the same cycle. No workflow is open for a duty that is
-- not missed. See docs/architecture.md "Prevention duties".
CREATE TABLE duty_obligations (
    enterprise_id bigint NOT NULL REFERENCES orgs (id),
    kind          text NOT NULL CHECK (kind IN ('plan_filing', 'drill_comprehensive', 'drill_on_site')),
    -- The department the duty is owed to (属地 and sector): it receives
    -- the filing and the drill reports and issues the order on a miss.
    department_id bigint NOT NULL REFERENCES orgs (id),
    rule_set      text NOT NULL,
    cycle         int NOT NULL DEFAULT 1 CHECK (cycle > 0),
    due_at        timestamptz NOT NULL,
    -- pending: owed, not yet due or not yet swept; missed: the sweep found
    -- it unmet at due_at and numbered its order; done: a one-off met.
    state         text NOT NULL CHECK (state IN ('pending', 'missed', 'done')),
    last_met_at   timestamptz,
    order_no      text,
    order_started boolean NOT NULL DEFAULT false,
    CHECK (state <> 'missed' OR order_no IS NOT NULL),
    PRIMARY KEY (enterprise_id, kind)
);
CREATE INDEX duty_obligations_sweep ON duty_obligations (due_at)
    WHERE state = 'pending' OR (state = 'missed' AND NOT order_started);
CREATE INDEX duty_obligations_department ON duty_obligations (department_id, due_at);
