-- Holiday years loaded after the release (`duty calendar load`): the
-- State Council publishes next year's arrangement late in the year, and
-- every process of an installation — API servers and workers, on any
-- machine — must count with it, so it is kept here rather than in one
-- machine's data folder. Each row is the year's file as loaded, checked by
-- the calendar package; a year loaded again (a reissued notice) replaces
-- its row. Processes read the rows at start, on top of the built-in years
-- and the --calendar folder.
CREATE TABLE calendar_years (
    year        integer PRIMARY KEY CHECK (year BETWEEN 1000 AND 9999),
    file        text NOT NULL,
    loaded_at   timestamptz NOT NULL
);

-- The years whose holiday data a deadline was counted without (cases.
-- Deadline.Unconfirmed), so that the cases to tell about a newly loaded
-- year are found without reading every case's view.
ALTER TABLE deadlines ADD COLUMN unconfirmed integer[] NOT NULL DEFAULT '{}';
UPDATE deadlines d SET unconfirmed = ARRAY(SELECT jsonb_array_elements_text(e->'unconfirmed')::integer)
FROM cases c, jsonb_array_elements(c.view->'deadlines') e
WHERE c.workflow_id = d.workflow_id AND e->>'key' = d.key AND jsonb_typeof(e->'unconfirmed') = 'array';
CREATE INDEX deadlines_unconfirmed ON deadlines USING gin (unconfirmed) WHERE unconfirmed <> '{}';
