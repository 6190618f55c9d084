-- policy_chains had two unique keys for one fact (workflow_id is
-- 'policy/' || region_code): two first changes of a region at once both
-- inserted its row, and the second, arbitrated on workflow_id, failed on
-- region_code's key instead of taking its turn. One key is enough.
ALTER TABLE policy_chains DROP CONSTRAINT policy_chains_region_code_key;
