-- bench/sql/visibility_setup.sql: the data and roles of bench/visibility.sh
-- (what row-level visibility costs readers).
--
-- Run once, as the owner of schema bpm, in a fresh database that has pg_bpm
-- installed; then call bench.fill(kind, n) (as many times as needed):
--
--   vb_process  start -> t (user task, no assignee, no candidate groups) -> end
--               a process with no case above it: every role sees it, and
--               its task is in every worklist
--   vb_case     a case whose one plan item is a human task for the
--               candidate group "clerks", active as soon as the case opens
--
-- The actors, each a LOGIN role named after it, so that a session of that
-- role with bpm.actor unset acts as it:
--
--   member      in group "clerks": has an open task in every case, so sees
--               every case (through the policies: bpm.may_see per row)
--   stranger    in no group and holds no case role: sees no case, only the
--               processes and their tasks (through the policies too)
--
-- The owner of schema bpm (the role that runs this file) is the baseline: it
-- bypasses row-level security. It is put in group "clerks" as well, so that
-- its worklist holds the same rows as the member's. The cases are opened as
-- the actor "opener" (their owner, in bpm.case_role), who is none of the
-- three.

SET client_min_messages = warning;

CREATE SCHEMA bench;

CREATE ROLE member LOGIN;
CREATE ROLE stranger LOGIN;

INSERT INTO bpm.actor_group (actor, group_name) VALUES ('member', 'clerks'), (current_user, 'clerks');

SELECT bpm.deploy($${"key": "vb_process", "name": "an open process task, no case",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "t", "type": "user_task", "name": "Process task"},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "t"}, {"from": "t", "to": "end"}]}$$) IS NOT NULL AS deployed;

SELECT bpm.deploy($${"key": "vb_case", "kind": "case", "name": "a case with one open task for clerks",
  "plan": [{"id": "work", "type": "human_task", "name": "Work the case",
            "candidate_groups": ["clerks"], "priority": 70}]}$$) IS NOT NULL AS deployed;

-- Start n more vb_process instances (kind 'process') or open n more
-- vb_case cases (kind 'case'), in one transaction. bench/visibility.sh makes
-- all the processes first, so that the cases are one run of ids.
CREATE FUNCTION bench.fill(kind text, n integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bpm.act_as('opener');
    IF kind = 'process' THEN
        PERFORM count(bpm.start('vb_process')) FROM generate_series(1, n);
    ELSE
        PERFORM count(bpm.open_case('vb_case', '{}')) FROM generate_series(1, n);
    END IF;
END $$;
