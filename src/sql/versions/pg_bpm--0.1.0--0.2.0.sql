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
