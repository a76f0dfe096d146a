-- src/sql/95_row_security.sql: who may see a case (src/security/visibility.c).
--
-- A case and everything that belongs to it is seen by its participants:
-- the holders of a role in it and those with a task in it; the processes
-- and cases it started are seen by them too. Instances with no case above
-- them, free tasks and definitions stay readable by every role that may
-- read schema bpm. Operators (the owner of the schema, its members and
-- superusers) own these tables and so bypass the policies; so does the
-- engine, which writes as the owner.
--
-- The policies are for SELECT only: nobody but the owner writes these
-- tables (people change tasks and case files through the views bpm.task
-- and bpm.cases, whose triggers run the engine).

CREATE FUNCTION bpm.may_see(instance_id bigint) RETURNS boolean
    LANGUAGE c STABLE STRICT COST 100 AS 'MODULE_PATHNAME', 'bpm_may_see';
COMMENT ON FUNCTION bpm.may_see(bigint) IS
    'May the current actor see this instance (a case or something below one) and what belongs to it?';

ALTER TABLE bpm.instance ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.instance FOR SELECT
    USING ((kind = 'process' AND parent_id IS NULL) OR bpm.may_see(id));

ALTER TABLE bpm.task_store ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.task_store FOR SELECT
    USING (instance_id IS NULL OR bpm.may_see(instance_id));

ALTER TABLE bpm.comment ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.comment FOR SELECT
    USING (instance_id IS NULL OR bpm.may_see(instance_id));

ALTER TABLE bpm.job ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.job FOR SELECT
    USING (instance_id IS NULL OR bpm.may_see(instance_id));

ALTER TABLE bpm.event ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.event FOR SELECT
    USING (instance_id IS NULL OR bpm.may_see(instance_id));

ALTER TABLE bpm.token ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.token FOR SELECT
    USING (bpm.may_see(instance_id));

ALTER TABLE bpm.plan_item ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.plan_item FOR SELECT
    USING (bpm.may_see(case_id));

ALTER TABLE bpm.case_role ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.case_role FOR SELECT
    USING (bpm.may_see(case_id));

ALTER TABLE bpm.document ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.document FOR SELECT
    USING (bpm.may_see(case_id));

-- The group of a case role, case:<id>:<role>, says who holds the role:
-- as much as bpm.case_role does.
ALTER TABLE bpm.actor_group ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.actor_group FOR SELECT
    USING (group_name !~ '^case:[0-9]+:'
           OR bpm.may_see(substring(group_name FROM '^case:([0-9]+):')::bigint));

-- A link is seen from either end; bpm.case_links then shows only the
-- links whose both ends the reader may see.
ALTER TABLE bpm.case_link ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.case_link FOR SELECT
    USING (bpm.may_see(case_id) OR bpm.may_see(linked_case_id));

-- Views read their tables as the role that queries them, so that the
-- policies above apply to what they show (a view otherwise reads as its
-- owner, who bypasses them).
ALTER VIEW bpm.definitions SET (security_invoker = true);
ALTER VIEW bpm.processes SET (security_invoker = true);
ALTER VIEW bpm.task SET (security_invoker = true);
ALTER VIEW bpm.tasks SET (security_invoker = true);
ALTER VIEW bpm.worklist SET (security_invoker = true);
ALTER VIEW bpm.sla_breaches SET (security_invoker = true);
ALTER VIEW bpm.comments SET (security_invoker = true);
ALTER VIEW bpm.board SET (security_invoker = true);
ALTER VIEW bpm.my_tasks SET (security_invoker = true);
ALTER VIEW bpm.group_tasks SET (security_invoker = true);
ALTER VIEW bpm.overdue_tasks SET (security_invoker = true);
ALTER VIEW bpm.tasks_by_case SET (security_invoker = true);
ALTER VIEW bpm.incidents SET (security_invoker = true);
ALTER VIEW bpm.cases SET (security_invoker = true);
ALTER VIEW bpm.case_plan SET (security_invoker = true);
ALTER VIEW bpm.my_cases SET (security_invoker = true);
ALTER VIEW bpm.case_links SET (security_invoker = true);
