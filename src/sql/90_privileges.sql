-- src/sql/90_privileges.sql: who may do what after installation.
--
-- The engine's C functions run their writes as the owner of the bpm schema
-- (the role that created the extension), so callers need no privileges on
-- the tables themselves. Everyone may read the model and call the API (but
-- for bpm.act_as, below); the rules of each task (assignee, candidate
-- groups, four eyes) are enforced by the trigger of the view bpm.task
-- whoever writes. Direct writes are limited to the task columns that a
-- person may change.

GRANT USAGE ON SCHEMA bpm TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA bpm TO PUBLIC;
GRANT UPDATE (status, output, assignee, priority, due_at, labels, follow_up_at) ON bpm.task TO PUBLIC;
GRANT UPDATE (data) ON bpm.cases TO PUBLIC;

-- The right to act for others (name another user in bpm.actor) is EXECUTE
-- on bpm.act_as(text): operators hold it, and grant it to the roles of
-- applications that serve many users through one role.
REVOKE EXECUTE ON FUNCTION bpm.act_as(text) FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('bpm.definition', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.node', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.flow', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.instance', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.token', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.task_store', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.job', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.actor_group', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.event', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.plan_item', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.case_role', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.comment', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.task_board', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.board_column', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.board_card', '');

-- Identity sequences too: without them a restored database would hand out
-- ids that its rows already use.
SELECT pg_catalog.pg_extension_config_dump('bpm.definition_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.instance_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.token_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.task_store_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.job_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.plan_item_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.comment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.task_board_id_seq', '');
