-- src/sql/versions/pg_bpm--0.1.0--0.2.0.sql: upgrade from pg_bpm 0.1.0 to 0.2.0.
--
-- Frozen once 0.2.0 is released. Until then every change to the SQL of the
-- concept files in src/sql/ is repeated here, so that an upgraded database
-- ends with the same catalog as a fresh install (test/t/050_upgrade.pl
-- compares them).
\echo Use "ALTER EXTENSION pg_bpm UPDATE TO '0.2.0'" to load this file. \quit

-- One clock for every timestamp (issue 9, defect 3): the columns that took
-- their time by DEFAULT now() take the engine's clock, as the C code that
-- writes the others does (src/sql/05_clock.sql).
ALTER TABLE bpm.definition ALTER COLUMN deployed_at SET DEFAULT bpm.now();
ALTER TABLE bpm.instance ALTER COLUMN started_at SET DEFAULT bpm.now();
ALTER TABLE bpm.token ALTER COLUMN created_at SET DEFAULT bpm.now();
ALTER TABLE bpm.task_store ALTER COLUMN created_at SET DEFAULT bpm.now();
ALTER TABLE bpm.job ALTER COLUMN due_at SET DEFAULT bpm.now();
ALTER TABLE bpm.job ALTER COLUMN created_at SET DEFAULT bpm.now();
ALTER TABLE bpm.task_board ALTER COLUMN created_at SET DEFAULT bpm.now();

-- The family root of each instance (bpm.instance.root_id), locked first by
-- every engine write to a member (src/process/family.c): backfilled by
-- walking parent_id down from the roots, then NOT NULL; parent_id and
-- root_id cannot change.
ALTER TABLE bpm.instance ADD COLUMN root_id bigint;
WITH RECURSIVE family (id, root_id) AS (
    SELECT id, id FROM bpm.instance WHERE parent_id IS NULL
    UNION ALL
    SELECT i.id, f.root_id FROM bpm.instance i JOIN family f ON i.parent_id = f.id
)
UPDATE bpm.instance i SET root_id = f.root_id FROM family f WHERE f.id = i.id;
ALTER TABLE bpm.instance ALTER COLUMN root_id SET NOT NULL;
COMMENT ON COLUMN bpm.instance.root_id IS
    'The root of the instance''s family (its own id for an instance no other started): locked first by every engine write to any member; never changes';
CREATE FUNCTION bpm.instance_refuse_new_family() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.root_id IS DISTINCT FROM OLD.root_id OR NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
        RAISE EXCEPTION 'the family of instance % cannot change', OLD.id
            USING ERRCODE = '42501',
                  DETAIL = 'parent_id and root_id are set when the instance is created; the engine locks families by them.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION bpm.instance_refuse_new_family() IS
    'Trigger: refuses an UPDATE of bpm.instance that changes parent_id or root_id';
CREATE TRIGGER instance_family_immutable BEFORE UPDATE OF parent_id, root_id ON bpm.instance
    FOR EACH ROW EXECUTE FUNCTION bpm.instance_refuse_new_family();

-- Suspending a stage suspends its stages and tasks (src/case/case.c): each
-- remembers the state it goes back to when the stage resumes.
ALTER TABLE bpm.plan_item ADD COLUMN suspended_from text
    CHECK (suspended_from IN ('available', 'enabled', 'disabled', 'active'));
COMMENT ON COLUMN bpm.plan_item.suspended_from IS
    'An item suspended with its stage (parent_suspend): the state it goes back to when the stage resumes; NULL otherwise';

-- Nothing lost, nothing changed behind the log's back (issue 10, section 3;
-- src/audit/guard.c, verify.c): the second anchor of an instance row (the
-- tokens it rests with; NULL for the instances of 0.1.0 until their next
-- step), the guards that keep instances and their runtime rows, and
-- bpm.verify_state.
ALTER TABLE bpm.instance ADD COLUMN tokens_hash bytea;
COMMENT ON COLUMN bpm.instance.tokens_hash IS
    'Hash of the bpm.token rows the instance rests with, written when an engine step ends: the anchor bpm.verify_state checks them against';
CREATE FUNCTION bpm.runtime_guard() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_runtime_guard';
COMMENT ON FUNCTION bpm.runtime_guard() IS
    'Refuses DELETE of an instance, DELETE of an instance''s runtime rows other than by the engine, and TRUNCATE';
CREATE TRIGGER instance_kept BEFORE DELETE ON bpm.instance
    FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard();
CREATE TRIGGER instance_no_truncate BEFORE TRUNCATE ON bpm.instance
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard();
CREATE TRIGGER token_engine_only BEFORE DELETE ON bpm.token
    FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard('instance_id');
CREATE TRIGGER token_no_truncate BEFORE TRUNCATE ON bpm.token
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard();
CREATE TRIGGER task_engine_only BEFORE DELETE ON bpm.task_store
    FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard('instance_id');
CREATE TRIGGER task_no_truncate BEFORE TRUNCATE ON bpm.task_store
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard();
CREATE TRIGGER job_engine_only BEFORE DELETE ON bpm.job
    FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard('instance_id');
CREATE TRIGGER job_no_truncate BEFORE TRUNCATE ON bpm.job
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard();
CREATE TRIGGER plan_item_engine_only BEFORE DELETE ON bpm.plan_item
    FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard('case_id');
CREATE TRIGGER plan_item_no_truncate BEFORE TRUNCATE ON bpm.plan_item
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard();
CREATE FUNCTION bpm.verify_state(instance_id bigint)
    RETURNS TABLE (ok boolean, first_bad_event bigint, mismatch text, expected jsonb, found jsonb)
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'bpm_verify_state';
COMMENT ON FUNCTION bpm.verify_state(bigint) IS
    'Verify one instance: its hash chain, then that its definition, data and tokens are what its events say; names the first mismatch';
