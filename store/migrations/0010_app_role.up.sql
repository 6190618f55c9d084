-- The role duty's server and worker act as (store.AppRole): it may read
-- and write what the API and the workflows need, but it holds no UPDATE,
-- DELETE or TRUNCATE on the audit tables, no DDL, and cannot disable the
-- append-only triggers (only a table's owner can). Migrations run as the
-- connecting user, who owns the tables; the processes then SET ROLE
-- duty_app on every pooled connection (store.AsRole).
--
-- Roles are shared by every database of a cluster, so the role may exist
-- already (another duty database, or a parallel test creating it at the
-- same moment). Creating it takes CREATEROLE; a connecting user without it
-- gets a notice, and the processes then warn and act as the owner until an
-- administrator runs: CREATE ROLE duty_app NOLOGIN; GRANT duty_app TO <owner>;
-- and this migration's grants (`duty migrate` is idempotent for them: see
-- store.GrantAppRole).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'duty_app') THEN
        CREATE ROLE duty_app NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN
        NULL; -- created by a concurrent migration of another database
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'duty: role duty_app not created (% has no CREATEROLE); duty will act as the owner', current_user;
END $$;
