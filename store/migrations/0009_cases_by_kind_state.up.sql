-- /metrics counts cases by kind and state, and the open ones overdue, at
-- every scrape: an index-only scan of this index instead of the whole read
-- model (100,000 cases: ~40 ms instead of ~110 ms on a busy 2-core machine).
CREATE INDEX cases_kind_state ON cases (kind, state) INCLUDE (overdue, closed_at);
