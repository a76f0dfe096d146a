-- examples/invoice_demo.sql — the first thing to run: bash examples/demo.sh
--
-- An invoice approval process, worked end to end in plain SQL:
--
--   received -> amount_check -(amount > 10000)-> approve_finance -> approved_check -(else)-> rejected
--                    |                                                   |
--                 (else)                                             (approved)
--                    +----------------------> merge <--------------------+
--                                               |
--                                              fork --> confirm_goods --> join --> pay --> paid
--                                                \----> check_booking ----/        (external worker,
--                                                                                   topic "payment")
--
-- Five invoices arrive. People work their tasks through an application
-- (which says who acts with bpm.actor): they claim tasks, hand them on,
-- and the database refuses what the process does not allow. An operator
-- reassigns a task and cancels a duplicate, a payment worker written in
-- PL/pgSQL does the service task. Then we read the state, the audit trail,
-- and verify it.
--
-- It expects a fresh database with the extension created (demo.sh makes
-- one) and runs with ON_ERROR_STOP: any unexpected error stops it.

\set ON_ERROR_STOP 1
\set QUIET on
\pset null '-'
\pset footer off
SET client_min_messages = warning;

\echo
\echo '=== 1. Deploy the process definition (JSON; see docs/definitions.md)'
\echo

-- Deploying the same content again returns the same id, so this is safe to
-- run from a migration. Changed content becomes version 2; running
-- instances keep the version they started with.
SELECT bpm.deploy($json$
{
  "key": "invoice",
  "name": "Invoice approval",
  "nodes": [
    {"id": "received",        "type": "start_event",       "name": "Invoice received"},
    {"id": "amount_check",    "type": "exclusive_gateway", "name": "Large invoice?"},
    {"id": "approve_finance", "type": "user_task",         "name": "Approve large invoice",
     "candidate_groups": ["finance"], "required": ["approved"], "priority": 80, "due": "P2D"},
    {"id": "approved_check",  "type": "exclusive_gateway", "name": "Approved?"},
    {"id": "rejected",        "type": "end_event",         "name": "Invoice rejected"},
    {"id": "merge",           "type": "exclusive_gateway", "name": "Merge"},
    {"id": "fork",            "type": "parallel_gateway"},
    {"id": "confirm_goods",   "type": "user_task",         "name": "Confirm goods received",
     "assignee": "$.requested_by"},
    {"id": "check_booking",   "type": "user_task",         "name": "Check booking",
     "candidate_groups": ["accounting"], "required": ["cost_center"],
     "four_eyes": ["confirm_goods"]},
    {"id": "join",            "type": "parallel_gateway"},
    {"id": "pay",             "type": "service_task",      "name": "Pay invoice",
     "topic": "payment", "retries": 3},
    {"id": "paid",            "type": "end_event",         "name": "Invoice paid"}
  ],
  "flows": [
    {"from": "received",        "to": "amount_check"},
    {"from": "amount_check",    "to": "approve_finance", "when": "$.amount > 10000"},
    {"from": "amount_check",    "to": "merge",           "default": true},
    {"from": "approve_finance", "to": "approved_check"},
    {"from": "approved_check",  "to": "merge",           "when": "$.approved == true"},
    {"from": "approved_check",  "to": "rejected",        "default": true},
    {"from": "merge",           "to": "fork"},
    {"from": "fork",            "to": "confirm_goods"},
    {"from": "fork",            "to": "check_booking"},
    {"from": "confirm_goods",   "to": "join"},
    {"from": "check_booking",   "to": "join"},
    {"from": "join",            "to": "pay"},
    {"from": "pay",             "to": "paid"}
  ]
}
$json$) AS definition_id;

SELECT key, version, name, nodes FROM bpm.definitions;

\echo
\echo '=== 2. People, their groups, and roles'
\echo

-- People use an invoice application. It connects as an ordinary role,
-- invoice_app, and names the person who acts with bpm.act_as('alice') or
-- SET bpm.actor (without it, the actor is the role). Acting for others is
-- a right: EXECUTE on bpm.act_as(text), which an operator grants to the
-- application's role; any other role that names someone else is refused.
-- Candidate groups are plain rows, which only the owner of schema bpm may
-- write: the role that installed pg_bpm, here postgres, which runs this
-- script.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'invoice_app') THEN
        CREATE ROLE invoice_app NOLOGIN;        -- roles belong to the cluster
    END IF;
END
$$;
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO invoice_app;
CREATE SCHEMA demo AUTHORIZATION invoice_app;   -- the application's helpers

INSERT INTO bpm.actor_group (actor, group_name) VALUES
    ('alice', 'finance'),
    ('carol', 'accounting'),       -- carol also requests goods
    ('dave',  'accounting');       -- and so does dave

SELECT actor, string_agg(group_name, ', ') AS groups
  FROM bpm.actor_group GROUP BY actor ORDER BY actor;

-- Operators are roles with the privileges of the owner of schema bpm (that
-- role, its members, superusers). Besides doing what everyone may, they
-- may assign any task to anyone and change any task's priority and due
-- date. The application's role is not one, but it may act for others.
SELECT rolname AS role, pg_has_role(rolname, nspowner, 'USAGE') AS operator,
       has_function_privilege(rolname, 'bpm.act_as(text)', 'EXECUTE') AS acts_for_others
  FROM pg_roles, pg_namespace
 WHERE nspname = 'bpm' AND rolname IN ('postgres', 'invoice_app')
 ORDER BY rolname DESC;

\echo
\echo '=== 3. Five invoices arrive (bpm.start)'
\echo

-- From here on everyone acts through the application's role.
SET ROLE invoice_app;
SET bpm.actor = 'mailroom';
SELECT business_key, bpm.start('invoice', data, business_key) AS instance_id
  FROM (VALUES
    ('INV-1001', '{"vendor": "Globex",   "amount":  2400, "iban": "DE44 5001", "requested_by": "carol"}'::jsonb),
    ('INV-1002', '{"vendor": "Initech",  "amount": 18500, "iban": "FR76 3000", "requested_by": "erin"}'),
    ('INV-1003', '{"vendor": "Umbrella", "amount": 52000, "iban": "NL91 4000", "requested_by": "carol"}'),
    ('INV-1004', '{"vendor": "Hooli",    "amount":   730,                      "requested_by": "dave"}'),
    ('INV-1005', '{"vendor": "Globex",   "amount":  2400, "iban": "DE44 5001", "requested_by": "carol"}')
  ) AS incoming (business_key, data);

-- Small invoices went straight to the two parallel checks; large ones wait
-- for finance.
SELECT business_key, data->>'amount' AS amount, state, waiting_at
  FROM bpm.processes ORDER BY id;

\echo
\echo '=== 4. Worklists (bpm.worklist shows what the current actor may work)'
\echo

SET bpm.actor = 'alice';
\echo 'alice (finance):'
SELECT id AS task, business_key, title, candidate_groups, assignee, priority, due_at::date AS due
  FROM bpm.worklist ORDER BY priority DESC, id;

SET bpm.actor = 'carol';
\echo 'carol (accounting; requested INV-1001, INV-1003 and INV-1005):'
SELECT id AS task, business_key, title, candidate_groups, assignee, required
  FROM bpm.worklist ORDER BY id;

\echo
\echo '=== 5. People work their tasks; the database enforces the rules'
\echo

-- demo.act(who, invoice, step, what, statement) runs a statement on the
-- open task of a step as someone: the same as
--     SELECT bpm.act_as('alice');     -- SET LOCAL bpm.actor = 'alice'
--     SELECT bpm.complete_task(<task id>, '{"approved": true}');
-- A refusal (SQLSTATE 42501 not allowed, 23502 missing required data,
-- 55000 wrong state) comes back as a line here instead of stopping the
-- demo; in an application it is an ordinary error and nothing changes.
CREATE FUNCTION demo.act(who text, invoice text, step text, what text, statement text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    task_id bigint;
    detail  text;
BEGIN
    PERFORM bpm.act_as(who);        -- for the rest of the transaction
    SELECT t.id INTO STRICT task_id
      FROM bpm.tasks t WHERE t.business_key = invoice AND t.node_id = step;
    EXECUTE statement USING task_id;
    RETURN format('done     %-6s %-16s %s %s', who, step, invoice, what);
EXCEPTION
    WHEN insufficient_privilege OR not_null_violation OR object_not_in_prerequisite_state THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        RETURN format('REFUSED  %-6s %-16s %s %s: %s [%s]', who, step, invoice, what, SQLERRM, SQLSTATE)
            || CASE WHEN detail <> '' THEN E'\n         ' || detail ELSE '' END;
END
$$;

-- The API calls people make (a plain UPDATE of bpm.task would do the same):
CREATE FUNCTION demo.complete(who text, invoice text, step text, output jsonb DEFAULT '{}')
RETURNS text LANGUAGE sql AS $$
    SELECT demo.act(who, invoice, step, 'complete ' || output::text,
                    format('SELECT bpm.complete_task($1, %L)', output))
$$;
CREATE FUNCTION demo.claim(who text, invoice text, step text)
RETURNS text LANGUAGE sql AS $$
    SELECT demo.act(who, invoice, step, 'claim', 'SELECT bpm.claim($1)')
$$;
CREATE FUNCTION demo.assign(who text, invoice text, step text, to_whom text)
RETURNS text LANGUAGE sql AS $$
    SELECT demo.act(who, invoice, step, 'assign to ' || to_whom,
                    format('SELECT bpm.assign($1, %L)', to_whom))
$$;

\pset tuples_only on
\pset format unaligned

-- Finance approves INV-1002, and rejects INV-1003.
SELECT demo.complete('bob',   'INV-1002', 'approve_finance', '{"approved": true}');
SELECT demo.complete('alice', 'INV-1002', 'approve_finance', '{"comment": "looks fine"}');
SELECT demo.complete('alice', 'INV-1002', 'approve_finance', '{"approved": true, "comment": "looks fine"}');
SELECT demo.complete('alice', 'INV-1003', 'approve_finance', '{"approved": false, "comment": "no purchase order"}');

-- INV-1001: the two parallel checks. confirm_goods is assigned to the
-- requester ("assignee": "$.requested_by"); check_booking is for
-- accounting, but not for whoever confirmed the goods (four_eyes).
SELECT demo.complete('carol', 'INV-1001', 'confirm_goods', '{"goods_ok": true}');
SELECT demo.complete('carol', 'INV-1001', 'check_booking', '{"cost_center": "CC-310"}');
SELECT demo.complete('dave',  'INV-1001', 'check_booking', '{}');
SELECT demo.complete('dave',  'INV-1001', 'check_booking', '{"cost_center": "CC-310"}');

-- INV-1002: dave claims the booking check. A claimed task is its
-- assignee's: it leaves carol's worklist, and she may not complete it.
-- Called away, dave hands it on to her (an assignee may).
SELECT demo.claim('dave',     'INV-1002', 'check_booking');
SELECT demo.complete('carol', 'INV-1002', 'check_booking', '{"cost_center": "CC-120"}');
SELECT demo.assign('dave',    'INV-1002', 'check_booking', 'carol');
SELECT demo.complete('carol', 'INV-1002', 'check_booking', '{"cost_center": "CC-120"}');
SELECT demo.complete('erin',  'INV-1002', 'confirm_goods', '{"goods_ok": true}');

-- INV-1004 was requested by dave, so its confirm_goods is his. He books
-- the invoice first; four_eyes holds in both directions, so now he may not
-- confirm the goods. erin may not take his task either, not even with a
-- plain UPDATE: the trigger of the view bpm.task checks it exactly like
-- bpm.assign.
SELECT demo.complete('dave',  'INV-1004', 'check_booking', '{"cost_center": "CC-500"}');
SELECT demo.complete('dave',  'INV-1004', 'confirm_goods', '{"goods_ok": true}');
SELECT demo.act('erin', 'INV-1004', 'confirm_goods', $$UPDATE SET assignee = 'erin'$$,
                $$UPDATE bpm.task SET assignee = 'erin' WHERE id = $1$$);

\pset format aligned
\pset tuples_only off

\echo
\echo '=== 6. An operator steps in (bpm.assign, bpm.cancel)'
\echo

-- olga runs the invoice office. Her tool connects as postgres, the role
-- that installed pg_bpm, which makes her an operator: she gives dave's
-- confirmation of INV-1004 to erin, and cancels a duplicate invoice.
RESET ROLE;
\pset tuples_only on
\pset format unaligned
SELECT demo.assign('olga', 'INV-1004', 'confirm_goods', 'erin');
\pset format aligned
\pset tuples_only off

SET bpm.actor = 'olga';
SELECT id AS duplicate FROM bpm.instance WHERE business_key = 'INV-1005' \gset
-- (bpm.cancel returns void: nothing to print, hence \g /dev/null)
SELECT bpm.cancel(:duplicate, 'duplicate of INV-1001') \g /dev/null

-- Its open tasks are cancelled, not deleted: task rows are the record.
SELECT id AS task, title, status, completed_by AS by
  FROM bpm.task WHERE instance_id = :duplicate ORDER BY id;

-- Back in the application, erin confirms the goods of INV-1004.
SET ROLE invoice_app;
\pset tuples_only on
\pset format unaligned
SELECT demo.complete('erin', 'INV-1004', 'confirm_goods', '{"goods_ok": true}');
\pset format aligned
\pset tuples_only off

\echo
\echo '=== 7. The payment worker (external service task, topic "payment")'
\echo

-- Any program can be the worker: it fetches jobs with SKIP LOCKED, does the
-- work elsewhere, and reports back. This one is PL/pgSQL, one job per
-- transaction. The "bank" times out once for Initech and cannot pay a
-- vendor without an IBAN: that job uses up its 3 retries and becomes an
-- incident for an operator.
CREATE TABLE demo.payment_log (
    n        int GENERATED ALWAYS AS IDENTITY,
    job_id   bigint,
    invoice  text,
    attempt  int,
    outcome  text
);

CREATE PROCEDURE demo.payment_worker(worker text) LANGUAGE plpgsql AS $$
DECLARE
    job     bpm.job;
    invoice bpm.instance;
    outcome text;
BEGIN
    FOR i IN 1..100 LOOP                                 -- a real worker loops forever
        SELECT * INTO job FROM bpm.fetch_and_lock('payment', worker, 1, '1 minute');
        EXIT WHEN NOT FOUND;                             -- (and LISTENs on bpm_jobs)
        SELECT * INTO invoice FROM bpm.instance WHERE id = job.instance_id;

        IF NOT invoice.data ? 'iban' THEN
            outcome := 'vendor has no IBAN';
            PERFORM bpm.fail_job(job.id, worker, outcome, retry_in => '0 seconds');
        ELSIF invoice.data->>'vendor' = 'Initech' AND job.attempts = 1 THEN
            outcome := 'bank timeout';
            PERFORM bpm.fail_job(job.id, worker, outcome, retry_in => '0 seconds');
        ELSE
            outcome := 'paid';
            PERFORM bpm.complete_job(job.id, worker,
                jsonb_build_object('payment_ref', 'PAY-' || job.id, 'paid_on', current_date));
        END IF;

        INSERT INTO demo.payment_log (job_id, invoice, attempt, outcome)
        VALUES (job.id, invoice.business_key, job.attempts, outcome);
        COMMIT;
    END LOOP;
END
$$;

SET bpm.actor = 'payment-service';
CALL demo.payment_worker('worker-1');

SELECT job_id, invoice, attempt, outcome FROM demo.payment_log ORDER BY n;

\echo
\echo '=== 8. Incidents (bpm.incidents): jobs out of retries, waiting for an operator'
\echo

SELECT business_key, job_id, node_id, topic, error, attempts FROM bpm.incidents;

-- After fixing the cause, an operator would call bpm.retry_incident(job_id).

\echo
\echo '=== 9. Where every invoice is now (bpm.processes)'
\echo

SELECT business_key, state, waiting_at, end_reason,
       data->>'approved' AS approved, data->>'payment_ref' AS payment_ref
  FROM bpm.processes ORDER BY id;

\echo
\echo '=== 10. The timeline of INV-1002 (bpm.history, from the event log)'
\echo

-- (data - 'data': the start data, shown in section 3, is left out)
SELECT h.event_id, h.actor, h.kind, h.node_id, coalesce(h.task_id, h.job_id) AS "task/job",
       h.data - 'data' AS data
  FROM bpm.instance i, bpm.history(i.id) h
 WHERE i.business_key = 'INV-1002'
 ORDER BY h.event_id;

\echo
\echo '=== 11. The event log is append-only and hash-chained (bpm.verify_events)'
\echo

-- Neither the log nor a finished task (through the view bpm.task) can be
-- rewritten, not even by the role that installed pg_bpm (a superuser here).
-- demo.try(statement) runs a statement and reports a refusal as a line.
RESET ROLE;
CREATE FUNCTION demo.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'done     ' || statement;
EXCEPTION WHEN insufficient_privilege OR object_not_in_prerequisite_state THEN
    RETURN format('REFUSED  %s: %s [%s]', statement, SQLERRM, SQLSTATE);
END
$$;

-- The finance approval of INV-1003, completed by alice with "approved": false:
SELECT t.id AS approval FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
 WHERE i.business_key = 'INV-1003' AND t.node_id = 'approve_finance' \gset

\pset tuples_only on
\pset format unaligned
SELECT demo.try($$UPDATE bpm.event SET actor = 'mallory' WHERE kind = 'task_completed'$$);
SELECT demo.try($$DELETE FROM bpm.event WHERE kind = 'job_failed'$$);
SELECT demo.try(format($$UPDATE bpm.task SET output = '{"approved": true}' WHERE id = %s$$, :approval));
SELECT demo.try(format($$DELETE FROM bpm.task WHERE id = %s$$, :approval));
\pset format aligned
\pset tuples_only off

-- Every event's SHA-256 covers its content and the previous event's hash,
-- and the instance row keeps the newest one: bpm.verify_events recomputes
-- the chain and names the first event that does not match.
SELECT i.business_key, v.ok, v.first_bad_event,
       (SELECT count(*) FROM bpm.event e WHERE e.instance_id = i.id) AS events
  FROM bpm.instance i, bpm.verify_events(i.id) v
 ORDER BY i.id;

-- Even a superuser who switches the guard off leaves a trace. Rewrite
-- history so that finance seems to have approved INV-1003:
ALTER TABLE bpm.event DISABLE TRIGGER event_append_only;
UPDATE bpm.event SET data = jsonb_set(data, '{patch,approved}', 'true')
 WHERE kind = 'data_changed'
   AND instance_id = (SELECT id FROM bpm.instance WHERE business_key = 'INV-1003');
ALTER TABLE bpm.event ENABLE TRIGGER event_append_only;

\echo 'after tampering with INV-1003:'
SELECT i.business_key, v.ok, v.first_bad_event, e.kind, e.data
  FROM bpm.instance i
 CROSS JOIN bpm.verify_events(i.id) v
  LEFT JOIN bpm.event e ON e.id = v.first_bad_event
 WHERE i.business_key = 'INV-1003';

\echo
\echo '=== 12. The background workers: time passes and jobs run by themselves'
\echo
-- The test and demo clusters start with pg_bpm.scheduler = off, so that
-- nothing runs behind a transcript's back. Switch the workers on: the
-- launcher starts a scheduler for this database, which sleeps until the
-- next job is due; a commit that makes a job due sooner wakes it.
ALTER SYSTEM SET pg_bpm.scheduler = on;
SELECT pg_reload_conf();
CREATE FUNCTION demo.thank_supplier(data jsonb) RETURNS jsonb LANGUAGE sql
    AS $$ SELECT jsonb_build_object('thanked', data->>'supplier', 'by', current_user::text) $$;
-- A reminder two seconds after an invoice is paid, and a daily report
-- that the process starts itself on a cron schedule.
SELECT bpm.deploy('{"key": "paid_reminder", "name": "Thank the supplier",
  "nodes": [{"id": "paid", "type": "start_event"},
            {"id": "wait", "type": "intermediate_event", "timer": {"duration": "PT2S"}},
            {"id": "thank", "type": "service_task", "implementation": "sql",
             "function": "demo.thank_supplier"},
            {"id": "done", "type": "end_event"}],
  "flows": [{"from": "paid", "to": "wait"}, {"from": "wait", "to": "thank"},
            {"from": "thank", "to": "done"}]}') IS NOT NULL AS deployed;
SELECT bpm.deploy('{"key": "daily_report", "name": "Open invoices report",
  "nodes": [{"id": "nightly", "type": "start_event",
             "timer": {"cron": "0 6 * * *", "timezone": "Europe/Berlin"}},
            {"id": "report", "type": "user_task", "candidate_groups": ["accounting"]},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "nightly", "to": "report"}, {"from": "report", "to": "end"}]}') IS NOT NULL AS deployed;
SET bpm.actor = 'carol';
SELECT bpm.start('paid_reminder', '{"supplier": "ACME"}', 'THANKS-1') AS reminder \gset
-- Wait (at most 30 s) for the workers: no one calls bpm.run_jobs.
DO $$
BEGIN
    FOR i IN 1..300 LOOP
        EXIT WHEN (SELECT state FROM bpm.instance WHERE business_key = 'THANKS-1') = 'completed';
        PERFORM pg_sleep(0.1);
    END LOOP;
END $$;
SELECT business_key, state, data FROM bpm.processes WHERE business_key = 'THANKS-1';
SELECT kind, node_id, actor FROM bpm.history(:reminder) ORDER BY event_id;
-- The daily report waits for its next 06:00 in Berlin:
SELECT d.key, j.kind, j.due_at > now() AS in_the_future
  FROM bpm.job j JOIN bpm.definition d ON d.id = j.definition_id;
SELECT backend_type, datname FROM pg_stat_activity
 WHERE backend_type LIKE 'pg_bpm%' ORDER BY backend_type;

\echo
\echo '=== 13. A disputed invoice becomes a case, seen only by its participants'
\echo
-- A case (CMMN, docs/cases.md) is knowledge work around a case file. Its
-- owner (whoever opens it) and the holders of its roles see it, and so
-- does whoever has a task in it; nobody else does, through any view, the
-- event log included (row-level security), and the API refuses them.
SELECT bpm.deploy('{"key": "invoice_dispute", "kind": "case", "name": "Invoice dispute",
  "roles": ["reviewer"],
  "plan": [{"id": "review", "type": "human_task", "name": "Review the dispute", "role": "reviewer"},
           {"id": "settled", "type": "milestone", "entry": [{"if": "exists($.settlement)"}]}]}')
  IS NOT NULL AS deployed;
SET ROLE invoice_app;
SET bpm.actor = 'olga';
SELECT bpm.open_case('invoice_dispute', '{"invoice": "INV-1004", "claim": "goods never arrived"}',
                     'DISPUTE-1') AS dispute \gset
SELECT bpm.grant_case_role(:dispute, 'reviewer', 'alice');
-- What each person sees of it (the application's role is no operator):
CREATE FUNCTION demo.sees(who text) RETURNS TABLE (cases bigint, tasks bigint, events bigint)
LANGUAGE sql AS $$
    SELECT bpm.act_as(who);
    SELECT (SELECT count(*) FROM bpm.cases WHERE business_key = 'DISPUTE-1'),
           (SELECT count(*) FROM bpm.tasks WHERE business_key = 'DISPUTE-1'),
           (SELECT count(*) FROM bpm.event e JOIN bpm.instance i ON i.id = e.instance_id
             WHERE i.business_key = 'DISPUTE-1')
$$;
SELECT who, s.* FROM unnest(ARRAY['olga', 'alice', 'carol']) AS who, demo.sees(who) AS s;
-- Carol has no part in the case: she may not change it.
CREATE FUNCTION demo.try(who text, statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bpm.act_as(who);
    EXECUTE statement;
    RETURN format('done     %s: %s', who, statement);
EXCEPTION WHEN insufficient_privilege THEN
    RETURN format('REFUSED  %s: %s [%s]', who, SQLERRM, SQLSTATE);
END $$;
SELECT demo.try('carol', format($$SELECT bpm.update_case(%s, '{"settlement": "refund"}')$$, :dispute));
-- Alice, the reviewer, works the review and settles the dispute.
SET bpm.actor = 'alice';
SELECT bpm.complete_task(id, '{"settlement": "credit note"}')
  FROM bpm.task WHERE instance_id = :dispute AND node_id = 'review';
SELECT item_id, type, state FROM bpm.case_plan WHERE case_id = :dispute ORDER BY plan_item_id;
RESET ROLE;
RESET bpm.actor;

\echo
\echo 'Done. Next: docs/concepts.md, docs/definitions.md, docs/cases.md, docs/sql-reference.md.'
