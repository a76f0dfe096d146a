-- 15_case_roles: who works a case, and comments on it.
--
-- A case definition names its "roles" ("owner" always exists); whoever
-- opens a case owns it. A plan task with a "role" is for the holders of
-- that role in its case: its candidate group is case:<case id>:<role>,
-- so the usual task rules (claim, complete, worklists) apply. Owners and
-- operators grant and revoke roles; every change is an event of the case.

\i sql/helpers.psql

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 1500000);
    END LOOP;
    PERFORM setval(pg_get_serial_sequence('bpm.plan_item', 'id'), 1500000);
END $$;
SET TimeZone = 'UTC';
SET pg_bpm.mock_now = '2030-06-01 09:00:00+00';
CREATE ROLE regress_bpm_clerk15 NOLOGIN;
GRANT USAGE ON SCHEMA public TO regress_bpm_clerk15;
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO regress_bpm_clerk15;   -- it acts for the people

SELECT bpm.deploy('{"key": "dispute15", "kind": "case", "name": "Billing dispute",
  "roles": ["adjuster", "auditor"],
  "plan": [
    {"id": "review", "type": "human_task", "name": "Review the bill", "role": "adjuster"},
    {"id": "audit", "type": "human_task", "name": "Audit the review", "role": "auditor",
     "entry": [{"on": ["review.complete"]}]}]}') IS NOT NULL AS deployed;

-- Mia opens the case: she owns it. The review waits for an adjuster.
SET bpm.actor = 'mia15';
SELECT bpm.open_case('dispute15', '{"bill": "B-7"}', 'DSP-1') AS c \gset
SELECT role, actor, granted_by FROM bpm.case_role WHERE case_id = :c ORDER BY role, actor;
SELECT node_id, title, regexp_replace(array_to_string(candidate_groups, ','), '[0-9]+', 'N') AS groups
  FROM bpm.tasks WHERE instance_id = :c;
SELECT key, roles FROM bpm.my_cases WHERE id = :c;

-- Nobody holds the adjuster role yet. Ann has no part in the case, so
-- she sees nothing of it and may not work it (as a plain role here: row
-- level security does not apply to the superuser that runs this file).
SELECT id AS review FROM bpm.task WHERE instance_id = :c AND node_id = 'review' \gset
SET ROLE regress_bpm_clerk15;
SET bpm.actor = 'ann15';
SELECT (SELECT count(*) FROM bpm.cases WHERE id = :c) AS cases,
       (SELECT count(*) FROM bpm.task WHERE instance_id = :c) AS tasks,
       (SELECT count(*) FROM bpm.history(:c)) AS events,
       (SELECT count(*) FROM bpm.case_role WHERE case_id = :c) AS roles;
\set VERBOSITY terse
SELECT bpm.claim(:review);
\echo :LAST_ERROR_SQLSTATE
-- Nor may she give herself the role (only owners and operators may).
SELECT bpm.grant_case_role(:c, 'adjuster', 'ann15');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- The owner grants it; Ann now sees the case and works the review.
SET bpm.actor = 'mia15';
SELECT bpm.grant_case_role(:c, 'adjuster', 'ann15');
SET bpm.actor = 'ann15';
SELECT key, business_key, data FROM bpm.cases WHERE id = :c;
SELECT title FROM bpm.worklist WHERE instance_id = :c;
SELECT key, roles FROM bpm.my_cases WHERE id = :c;
SELECT bpm.complete_task(id, '{"correct": false}') FROM bpm.task WHERE instance_id = :c AND node_id = 'review';
-- Comments on the case as a whole, beside comments on its tasks.
SELECT bpm.comment_case(:c, 'Customer was billed twice for May.') IS NOT NULL AS commented;
RESET ROLE;

-- The audit is for auditors; the owner makes Leo one, then takes Ann's
-- adjuster role back.
SET bpm.actor = 'mia15';
SELECT bpm.grant_case_role(:c, 'auditor', 'leo15');
SELECT bpm.revoke_case_role(:c, 'adjuster', 'ann15');
SELECT role, actor FROM bpm.case_role WHERE case_id = :c ORDER BY role, actor;
SET bpm.actor = 'leo15';
SELECT title FROM bpm.worklist WHERE instance_id = :c;
SELECT actor, body FROM bpm.comments WHERE instance_id = :c;
SELECT actor, kind, data - 'comment_id' AS data FROM bpm.history(:c)
 WHERE kind IN ('role_granted', 'role_revoked', 'comment_added') ORDER BY event_id;
-- Ann holds no role any more but still sees the case: she completed a
-- task in it. Sam, who never had a part in it, sees nothing.
SET ROLE regress_bpm_clerk15;
SET bpm.actor = 'ann15';
SELECT count(*) AS ann_sees FROM bpm.cases WHERE id = :c;
SET bpm.actor = 'sam15';
SELECT count(*) AS sam_sees FROM bpm.cases WHERE id = :c;
RESET ROLE;

-- Refusals.
\set VERBOSITY terse
SET bpm.actor = 'mia15';
SELECT c.why, e.* FROM (VALUES
  ('no such role',          format($$SELECT bpm.grant_case_role(%s, 'judge', 'leo15')$$, :c)),
  ('she does not hold it',  format($$SELECT bpm.revoke_case_role(%s, 'auditor', 'ann15')$$, :c)),
  ('the last owner',        format($$SELECT bpm.revoke_case_role(%s, 'owner', 'mia15')$$, :c)),
  ('empty',                 format($$SELECT bpm.comment_case(%s, '   ')$$, :c)),
  ('a role the case lacks', $$SELECT bpm.deploy('{"key": "bad15", "kind": "case", "roles": ["a"], "plan": [
    {"id": "t", "type": "human_task", "role": "b"}]}')$$),
  ('a role task, own assignee', $$SELECT bpm.deploy('{"key": "bad15", "kind": "case", "roles": ["a"], "plan": [
    {"id": "t", "type": "human_task", "role": "a", "assignee": "x"}]}')$$)
) AS c(why, statement), pg_temp.error_of(c.statement, terse => true) AS e;
RESET pg_bpm.mock_now;
RESET bpm.actor;
DROP OWNED BY regress_bpm_clerk15;
DROP ROLE regress_bpm_clerk15;
