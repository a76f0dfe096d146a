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
-- Five invoices arrive. People (set with bpm.actor) work their tasks, the
-- database refuses what the process does not allow, a payment worker
-- written in PL/pgSQL does the service task, an operator cancels a
-- duplicate. Then we read the state, the audit trail, and verify it.
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
\echo '=== 2. People and their groups (bpm.actor_group)'
\echo

-- The actor is whoever the application says acts (SET bpm.actor), else the
-- database role. Candidate groups are plain rows.
INSERT INTO bpm.actor_group (actor, group_name) VALUES
    ('alice', 'finance'),
    ('carol', 'accounting'),       -- carol also requests goods
    ('dave',  'accounting');

SELECT actor, string_agg(group_name, ', ') AS groups
  FROM bpm.actor_group GROUP BY actor ORDER BY actor;

\echo
\echo '=== 3. Five invoices arrive (bpm.start)'
\echo

SET bpm.actor = 'mailroom';
SELECT business_key, bpm.start('invoice', data, business_key) AS instance_id
  FROM (VALUES
    ('INV-1001', '{"vendor": "Globex",   "amount":  2400, "iban": "DE44 5001", "requested_by": "carol"}'::jsonb),
    ('INV-1002', '{"vendor": "Initech",  "amount": 18500, "iban": "FR76 3000", "requested_by": "erin"}'),
    ('INV-1003', '{"vendor": "Umbrella", "amount": 52000, "iban": "NL91 4000", "requested_by": "carol"}'),
    ('INV-1004', '{"vendor": "Hooli",    "amount":   730,                      "requested_by": "erin"}'),
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

-- demo.complete(who, invoice, step, output) completes the open task of a
-- step as someone: the same as
--     SET LOCAL bpm.actor = 'alice';
--     SELECT bpm.complete_task(<task id>, '{"approved": true}');
-- or an UPDATE bpm.task SET status = 'completed', output = ... from any
-- client. A refusal (SQLSTATE 42501 not allowed, 23502 missing required
-- data) comes back as a line here instead of stopping the demo; in an
-- application it is an ordinary error and nothing changes.
CREATE SCHEMA demo;
CREATE FUNCTION demo.complete(who text, invoice text, step text, output jsonb DEFAULT '{}')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    task_id bigint;
BEGIN
    PERFORM set_config('bpm.actor', who, true);     -- SET LOCAL bpm.actor = who
    SELECT t.id INTO STRICT task_id
      FROM bpm.tasks t WHERE t.business_key = invoice AND t.node_id = step;
    PERFORM bpm.complete_task(task_id, output);
    RETURN format('done     %-6s %-16s %s %s', who, step, invoice, output);
EXCEPTION
    WHEN insufficient_privilege OR not_null_violation THEN
        RETURN format('REFUSED  %-6s %-16s %s: %s [%s]', who, step, invoice, SQLERRM, SQLSTATE);
END
$$;

\pset tuples_only on
\pset format unaligned

-- Finance approves INV-1002, and rejects INV-1003.
SELECT demo.complete('bob',   'INV-1002', 'approve_finance', '{"approved": true}');
SELECT demo.complete('alice', 'INV-1002', 'approve_finance', '{"comment": "looks fine"}');
SELECT demo.complete('alice', 'INV-1002', 'approve_finance', '{"approved": true, "comment": "looks fine"}');
SELECT demo.complete('alice', 'INV-1003', 'approve_finance', '{"approved": false, "comment": "no purchase order"}');

-- The two parallel checks. confirm_goods is assigned to the requester
-- ("assignee": "$.requested_by"); check_booking is for accounting, but not
-- for whoever confirmed the goods (four_eyes).
SELECT demo.complete('carol', 'INV-1001', 'confirm_goods', '{"goods_ok": true}');
SELECT demo.complete('carol', 'INV-1001', 'check_booking', '{"cost_center": "CC-310"}');
SELECT demo.complete('dave',  'INV-1001', 'check_booking', '{}');
SELECT demo.complete('dave',  'INV-1001', 'check_booking', '{"cost_center": "CC-310"}');

SELECT demo.complete('erin',  'INV-1002', 'confirm_goods', '{"goods_ok": true}');
SELECT demo.complete('carol', 'INV-1002', 'check_booking', '{"cost_center": "CC-120"}');

SELECT demo.complete('dave',  'INV-1004', 'check_booking', '{"cost_center": "CC-500"}');
SELECT demo.complete('erin',  'INV-1004', 'confirm_goods', '{"goods_ok": true}');

\pset format aligned
\pset tuples_only off

\echo
\echo '=== 6. An operator cancels a duplicate (bpm.cancel)'
\echo

SET bpm.actor = 'olga';
SELECT id AS duplicate FROM bpm.instance WHERE business_key = 'INV-1005' \gset
-- (bpm.cancel returns void: nothing to print, hence \g /dev/null)
SELECT bpm.cancel(:duplicate, 'duplicate of INV-1001') \g /dev/null

-- Its open tasks are cancelled, not deleted: task rows are the record.
SELECT id AS task, title, status, completed_by AS by
  FROM bpm.task WHERE instance_id = :duplicate ORDER BY id;

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

-- Neither the log nor the task rows can be rewritten. demo.try(statement)
-- runs a statement and reports a refusal as a line.
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
\echo 'Done. Next: docs/concepts.md, docs/definitions.md, docs/sql-reference.md.'
