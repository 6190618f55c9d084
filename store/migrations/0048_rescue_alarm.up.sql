-- A rescue team's stop-and-evacuate alarm (停产撤人警报) is a category of
-- notification of its own: the pages and webhooks tell it from a notice.
ALTER TABLE outbox DROP CONSTRAINT outbox_category_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_category_check
    CHECK (category IN ('notice', 'reminder', 'overdue', 'escalation', 'decision', 'policy', 'alarm'));

-- A team's yearly coverage reads its own cases of the year: which team
-- inspected is in the case's view.
CREATE INDEX cases_rescue_team ON cases (((view->'team'->>'id')::bigint), opened_at) WHERE kind = 'rescue';
