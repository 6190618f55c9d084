-- 执法证号: the number of an officer's administrative law-enforcement
-- certificate (行政执法证). Officers show it when they inspect (安全生产法
-- Art.67) and every enforcement document prints it beside their names.
-- A person's, not a post's: the certificate follows the officer. NULL
-- until the organisation records it; documents then print "未登记".
ALTER TABLE persons ADD COLUMN IF NOT EXISTS enforcement_cert_no text
    CHECK (enforcement_cert_no IS NULL OR length(enforcement_cert_no) BETWEEN 1 AND 40);
