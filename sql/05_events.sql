-- 05_events: the event log.
--
-- Every state change is one row of bpm.event: who (the actor), what (kind,
-- node, task or job, data), in order. bpm.history shows the timeline of
-- an instance. The log is append-only, and each event carries a SHA-256
-- hash chained to the previous event of its instance, so bpm.verify_events
-- finds the first event that was changed, removed or moved, even when a
-- superuser switched the guard off to do it.

\i sql/helpers.psql

-- Ids in this file start above 500000, so that the messages naming them do
-- not depend on the files that ran before.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 500000);
    END LOOP;
END $$;

INSERT INTO bpm.actor_group (actor, group_name) VALUES ('frank', 'editors');
CREATE FUNCTION public.word_count(data jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('words', array_length(regexp_split_to_array(data->>'text', '\s+'), 1),
                              'status', 'counted')
$$;
SELECT bpm.deploy('{"key": "article", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "edit", "type": "user_task", "candidate_groups": ["editors"]},
    {"id": "count", "type": "script_task", "function": "public.word_count"},
    {"id": "publish", "type": "service_task", "topic": "cms", "retries": 2},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "edit"}, {"from": "edit", "to": "count"},
            {"from": "count", "to": "publish"}, {"from": "publish", "to": "end"}]}') IS NOT NULL AS deployed;

-- Erin starts an article; Frank claims the editing and completes it; a
-- worker publishes it on its second attempt. Each acts as bpm.actor.
SET bpm.actor = 'erin';
SELECT bpm.start('article', '{"title": "Tokens", "status": "draft"}', 'article-1') AS a1 \gset
SET bpm.actor = 'frank';
SELECT bpm.claim(id) FROM bpm.task WHERE instance_id = :a1;
-- A completion that is rolled back leaves no trace in the log.
SELECT count(*) AS events FROM bpm.history(:a1);
BEGIN;
SELECT bpm.complete_task(id, '{"text": "rolled back"}') FROM bpm.task WHERE instance_id = :a1;
ROLLBACK;
SELECT count(*) AS events FROM bpm.history(:a1);
SELECT bpm.complete_task(id, '{"text": "tokens move through nodes", "status": "edited"}') FROM bpm.task WHERE instance_id = :a1;
SET bpm.actor = 'publisher';
SELECT count(*) AS fetched FROM bpm.fetch_and_lock('cms', 'cms-worker', lock_for => '1 minute');
SELECT bpm.fail_job(id, 'cms-worker', 'cms is down', retry_in => '0 seconds') FROM bpm.job WHERE instance_id = :a1;
SELECT count(*) AS fetched FROM bpm.fetch_and_lock('cms', 'cms-worker', lock_for => '1 minute');
SELECT bpm.complete_job(id, 'cms-worker', '{"url": "/tokens", "status": "published"}') FROM bpm.job WHERE instance_id = :a1;
RESET bpm.actor;
SELECT state, data FROM bpm.processes WHERE id = :a1;

-- The timeline, oldest first. token_moved names the node entered and the
-- flow taken; data_changed has the patch and the values it replaced.
SELECT actor, kind, node_id, task_id IS NOT NULL AS task, job_id IS NOT NULL AS job, data
  FROM bpm.history(:a1);
-- Events are in id order; every event of an instance is chained to the
-- one before it (the first has no predecessor), and the instance row
-- anchors the newest one.
SELECT count(*) AS events,
       count(*) FILTER (WHERE prev_hash IS NULL) AS without_predecessor,
       bool_and(length(hash) = 32) AS sha256,
       bool_and(prev_hash IS NULL OR prev_hash = lag_hash) AS chained
  FROM (SELECT prev_hash, hash, lag(hash) OVER (ORDER BY id) AS lag_hash
          FROM bpm.event WHERE instance_id = :a1) e;
SELECT last_event_id = (SELECT max(id) FROM bpm.event WHERE instance_id = :a1) AS anchored,
       last_event_hash = (SELECT hash FROM bpm.event WHERE instance_id = :a1 ORDER BY id DESC LIMIT 1) AS same_hash
  FROM bpm.instance WHERE id = :a1;
SELECT * FROM bpm.verify_events(:a1);

-- The log is append-only, for its owner and superusers too (42501).
SELECT c.statement, e.* FROM (VALUES
  ($$UPDATE bpm.event SET actor = 'mallory' WHERE instance_id = %s$$),
  ('DELETE FROM bpm.event WHERE instance_id = %s'),
  ('TRUNCATE bpm.event')
) AS c(statement), pg_temp.error_of(format(c.statement, :a1)) AS e;
SELECT count(*) AS events FROM bpm.history(:a1);
-- No role but its owner may write it at all.
CREATE ROLE regress_bpm_reader;
SET ROLE regress_bpm_reader;
SELECT count(*) AS events FROM bpm.history(:a1);
INSERT INTO bpm.event (instance_id, at, txid, actor, kind, hash)
     VALUES (:a1, now(), 0, 'mallory', 'instance_completed', '\x00');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_bpm_reader;

--
-- Tampering. A superuser can switch the guard off; the hash chain then
-- shows what was done. Six notes, one kind of tampering each.
--
SELECT bpm.deploy('{"key": "note", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "write", "type": "user_task"},
    {"id": "read", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "write"}, {"from": "write", "to": "read"},
            {"from": "read", "to": "end"}]}') IS NOT NULL AS deployed;
SET bpm.actor = 'erin';
SELECT count(bpm.start('note', '{}', 'note-' || n)) AS started FROM generate_series(1, 6) n;
SELECT bpm.complete_task(t.id, jsonb_build_object('text', 'note ' || i.business_key))
  FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
 WHERE i.business_key LIKE 'note-%' AND t.node_id = 'write' ORDER BY t.id;
RESET bpm.actor;
SELECT id AS n1 FROM bpm.instance WHERE business_key = 'note-1' \gset
SELECT id AS n2 FROM bpm.instance WHERE business_key = 'note-2' \gset
SELECT id AS n3 FROM bpm.instance WHERE business_key = 'note-3' \gset
SELECT id AS n4 FROM bpm.instance WHERE business_key = 'note-4' \gset
SELECT id AS n5 FROM bpm.instance WHERE business_key = 'note-5' \gset
SELECT id AS n6 FROM bpm.instance WHERE business_key = 'note-6' \gset
-- Each note has the same timeline, and all verify.
SELECT string_agg(kind || coalesce(':' || node_id, ''), ' ' ORDER BY event_id) AS timeline
  FROM bpm.history(:n1);
SELECT i.business_key, v.ok, v.first_bad_event
  FROM bpm.instance i, bpm.verify_events(i.id) v
 WHERE i.business_key LIKE 'note-%' ORDER BY i.business_key;

ALTER TABLE bpm.event DISABLE TRIGGER USER;

-- 1. Change the data of one event (what Erin wrote).
SELECT id AS bad1 FROM bpm.event WHERE instance_id = :n1 AND kind = 'data_changed' \gset
UPDATE bpm.event SET data = '{"patch": {"text": "something else"}, "replaced": {}}' WHERE id = :bad1;
SELECT v.ok, v.first_bad_event = :bad1 AS names_the_changed_event, e.kind
  FROM bpm.verify_events(:n1) v LEFT JOIN bpm.event e ON e.id = v.first_bad_event;

-- 2. Change who did it.
SELECT id AS bad2 FROM bpm.event WHERE instance_id = :n2 AND kind = 'task_completed' \gset
UPDATE bpm.event SET actor = 'mallory' WHERE id = :bad2;
SELECT v.ok, v.first_bad_event = :bad2 AS names_the_changed_event, e.kind
  FROM bpm.verify_events(:n2) v LEFT JOIN bpm.event e ON e.id = v.first_bad_event;

-- 3. Delete an event from the middle: the event after the gap is named.
SELECT id AS gone3 FROM bpm.event WHERE instance_id = :n3 AND kind = 'task_completed' \gset
SELECT min(id) AS bad3 FROM bpm.event WHERE instance_id = :n3 AND id > :gone3 \gset
DELETE FROM bpm.event WHERE id = :gone3;
SELECT v.ok, v.first_bad_event = :bad3 AS names_the_event_after_the_gap, e.kind
  FROM bpm.verify_events(:n3) v LEFT JOIN bpm.event e ON e.id = v.first_bad_event;

-- 4. Swap two events (their whole content, ids stay): the first of the two
-- is named.
SELECT id AS bad4 FROM bpm.event WHERE instance_id = :n4 AND kind = 'task_completed' \gset
SELECT min(id) AS next4 FROM bpm.event WHERE instance_id = :n4 AND id > :bad4 \gset
UPDATE bpm.event e SET at = o.at, txid = o.txid, actor = o.actor, kind = o.kind, node_id = o.node_id,
       task_id = o.task_id, job_id = o.job_id, definition_id = o.definition_id, data = o.data,
       prev_hash = o.prev_hash, hash = o.hash
  FROM bpm.event o
 WHERE (e.id, o.id) IN ((:bad4, :next4), (:next4, :bad4));
SELECT string_agg(kind, ' ' ORDER BY id) AS swapped FROM bpm.event WHERE id IN (:bad4, :next4);
SELECT v.ok, v.first_bad_event = :bad4 AS names_the_first_swapped_event
  FROM bpm.verify_events(:n4) v;

-- 5. Relink the chain around a removed event: delete one and give its
-- successor the deleted event's prev_hash. The successor's own hash no
-- longer matches its content and new link.
SELECT id AS gone5 FROM bpm.event WHERE instance_id = :n5 AND kind = 'task_completed' \gset
SELECT min(id) AS bad5 FROM bpm.event WHERE instance_id = :n5 AND id > :gone5 \gset
UPDATE bpm.event SET prev_hash = (SELECT prev_hash FROM bpm.event WHERE id = :gone5) WHERE id = :bad5;
DELETE FROM bpm.event WHERE id = :gone5;
SELECT v.ok, v.first_bad_event = :bad5 AS names_the_relinked_event
  FROM bpm.verify_events(:n5) v;

-- 6. Delete the newest event: the chain that is left is intact, but the
-- instance row still anchors the deleted event, which is named.
SELECT max(id) AS gone6 FROM bpm.event WHERE instance_id = :n6 \gset
DELETE FROM bpm.event WHERE id = :gone6;
SELECT v.ok, v.first_bad_event = :gone6 AS names_the_deleted_event,
       (SELECT count(*) FROM bpm.event WHERE id = v.first_bad_event) AS still_there
  FROM bpm.verify_events(:n6) v;

ALTER TABLE bpm.event ENABLE TRIGGER USER;
UPDATE bpm.event SET actor = 'mallory' WHERE instance_id = :n1;
\echo :LAST_ERROR_SQLSTATE

-- Each tampered note stays flagged; the article, untouched, still verifies.
SELECT * FROM bpm.verify_events(:a1);
SELECT i.business_key, v.ok
  FROM bpm.instance i, bpm.verify_events(i.id) v
 WHERE i.business_key LIKE 'note-%' ORDER BY i.business_key;
