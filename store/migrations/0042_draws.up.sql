-- 双随机 draws (issue 17): which enterprises of a yearly plan are
-- inspected and which two officers inspect each. The record is what makes
-- a draw repeatable by anyone (package draw): the input — algorithm, the
-- server-made seed, the sorted candidate lists, the count — and the pairs
-- drawn from it. Rows are never updated or deleted: a department that
-- draws again leaves both draws on the record, for anyone to see.
CREATE TABLE draws (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_workflow_id text NOT NULL REFERENCES cases (workflow_id),
    department_id    bigint NOT NULL REFERENCES orgs (id),
    drawn_by         bigint NOT NULL REFERENCES persons (id),
    drawn_at         timestamptz NOT NULL,
    input            jsonb NOT NULL
);
CREATE INDEX draws_plan ON draws (plan_workflow_id, id);

CREATE TABLE draw_pairs (
    draw_id       bigint NOT NULL REFERENCES draws (id),
    position      int NOT NULL,
    enterprise_id bigint NOT NULL REFERENCES orgs (id),
    officer_1     bigint NOT NULL REFERENCES persons (id),
    officer_2     bigint NOT NULL REFERENCES persons (id),
    PRIMARY KEY (draw_id, position)
);
CREATE INDEX draw_pairs_enterprise ON draw_pairs (enterprise_id);

-- Inspections done for a plan are counted by department and enterprise.
CREATE INDEX cases_inspections_done ON cases (acting_org_id, enterprise_id, closed_at) WHERE kind = 'inspection';
-- The public page lists the hazards each drawn inspection opened.
CREATE INDEX cases_parent ON cases (parent_workflow_id) WHERE parent_workflow_id IS NOT NULL;
