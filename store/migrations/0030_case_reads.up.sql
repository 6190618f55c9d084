-- What each person has seen of each case: the step (seq) the case had
-- reached when they last opened it, or the step of a notice they marked
-- read. A case with a later step is unread for them (the work queues'
-- markers), and so is a notice of a later step (站内信).
CREATE TABLE case_reads (
    person_id   bigint NOT NULL REFERENCES persons (id),
    workflow_id text NOT NULL,
    seen_seq    bigint NOT NULL,
    seen_at     timestamptz NOT NULL,
    PRIMARY KEY (person_id, workflow_id)
);
