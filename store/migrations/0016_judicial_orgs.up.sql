-- Judicial organs (公安机关, 人民检察院): a referral of a suspected crime
-- (涉嫌犯罪案件移送) goes to them, of the case's area, and to nobody else.
ALTER TABLE orgs DROP CONSTRAINT orgs_kind_check;
ALTER TABLE orgs ADD CONSTRAINT orgs_kind_check
    CHECK (kind IN ('party_committee', 'government', 'department', 'enterprise', 'rescue_team', 'judicial'));
