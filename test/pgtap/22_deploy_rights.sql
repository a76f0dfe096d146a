-- 22_deploy_rights: who may deploy a new version of a key (issue 10,
-- section 1, hole 4).
--
-- Any role could deploy a new version of any key, including the key that
-- someone else's processes start and whose case tasks open cases, and so
-- replace their definition. Until the rights model of the next version
-- makes the right to deploy explicit, a new version of a key is for the
-- role that deployed its first version, the roles with its privileges
-- (members, superusers) and operators (roles with the privileges of the
-- owner of schema bpm). Anyone else gets 42501 and nothing is stored;
-- content identical to the latest version still returns that version
-- (it stores nothing). A key whose first deployer was dropped is the
-- operators' alone.
--
-- Runs in its own database (test/run), in one transaction, as the
-- superuser that installed the extension (an operator).
BEGIN;
SELECT no_plan();
\ir helpers.psql

CREATE ROLE bpm_tap_alice NOLOGIN;
CREATE ROLE bpm_tap_bob NOLOGIN;
CREATE ROLE bpm_tap_carol NOLOGIN IN ROLE bpm_tap_alice;   -- a member of alice
CREATE ROLE bpm_tap_dave NOLOGIN;
CREATE ROLE bpm_tap_ops NOLOGIN;                            -- a member of the owner of schema bpm
SELECT format('GRANT %I TO bpm_tap_ops', (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'bpm')) \gexec

-- a process with one user task, named name, version by version
CREATE FUNCTION pg_temp.process(key text, name text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('key', key, 'nodes', jsonb_build_array(
        '{"id": "s", "type": "start_event"}'::jsonb,
        jsonb_build_object('id', 't', 'type', 'user_task', 'name', name),
        '{"id": "e", "type": "end_event"}'::jsonb),
        'flows', '[{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]'::jsonb)
$$;
CREATE FUNCTION pg_temp.versions(key text) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM bpm.definition WHERE definition.key = $1
$$;

-- ============================================ the first deployer and others
SET LOCAL ROLE bpm_tap_alice;
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.process('claims', 'Check the claim'))$$,
    'alice deploys the first version of a key');
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.process('claims', 'Check the claim again'))$$,
    'and a second one');
SET LOCAL ROLE bpm_tap_bob;
SELECT throws_ok($$SELECT bpm.deploy(pg_temp.process('claims', 'Copy the case file to me'))$$,
    '42501', 'permission denied to deploy a new version of "claims"',
    'bob, who has no part in it, may not deploy a new version of alice''s key');
SELECT is(pg_temp.versions('claims'), 2::bigint, 'nothing was stored');
SELECT is(bpm.deploy(pg_temp.process('claims', 'Check the claim again')),
          (SELECT id FROM bpm.definition WHERE key = 'claims' AND version = 2),
          'content identical to the latest version returns it, to anyone: it stores nothing');
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.process('bobs', 'Own work'))$$,
    'bob deploys a key of his own');
SET LOCAL ROLE bpm_tap_carol;
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.process('claims', 'Check the claim, version 3'))$$,
    'carol, a member of alice, may');
SET LOCAL ROLE bpm_tap_ops;
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.process('claims', 'Check the claim, version 4'))$$,
    'an operator may');
RESET ROLE;
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.process('bobs', 'Own work, reviewed'))$$,
    'so may a superuser, on any key');
SELECT is((SELECT array_agg(deployed_by_oid::regrole::text ORDER BY version) FROM bpm.definition WHERE key = 'claims'),
          ARRAY['bpm_tap_alice', 'bpm_tap_alice', 'bpm_tap_carol', 'bpm_tap_ops'],
          'the versions of "claims" and who deployed them');

-- the detail names the first deployer, a key of an operator included
SET LOCAL ROLE bpm_tap_alice;
SELECT throws_ok($$SELECT bpm.deploy(pg_temp.process('bobs', 'Taken over'))$$,
    '42501', 'permission denied to deploy a new version of "bobs"',
    'alice may not deploy a new version of bob''s key, though an operator deployed one of its versions');
RESET ROLE;
CREATE FUNCTION pg_temp.detail_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    detail text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN insufficient_privilege THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN detail;
END $$;
SET LOCAL ROLE bpm_tap_bob;
SELECT is(pg_temp.detail_of($$SELECT bpm.deploy(pg_temp.process('claims', 'Mine now'))$$),
    'Its first version was deployed by role "bpm_tap_alice"; new versions may be deployed by that role, its members and operators.',
    'the detail names the role that deployed the first version');

-- ========================================================= a dropped role
SET LOCAL ROLE bpm_tap_dave;
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.process('orphan', 'Left behind'))$$,
    'dave deploys a key');
RESET ROLE;
CREATE TEMP TABLE dave AS SELECT 'bpm_tap_dave'::regrole::oid AS oid;
GRANT SELECT ON dave TO PUBLIC;
DROP ROLE bpm_tap_dave;
SET LOCAL ROLE bpm_tap_alice;
SELECT is(pg_temp.detail_of($$SELECT bpm.deploy(pg_temp.process('orphan', 'Picked up'))$$),
    format('Its first version was deployed by a role that no longer exists (OID %s); new versions may be deployed by operators.',
           (SELECT oid FROM dave)),
    'when the first deployer was dropped, nobody but an operator may deploy a new version');
SET LOCAL ROLE bpm_tap_ops;
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.process('orphan', 'Picked up'))$$,
    'an operator may');
RESET ROLE;
SELECT is(pg_temp.versions('orphan'), 2::bigint, 'the key has the operator''s version, and no other');

SELECT * FROM finish();
ROLLBACK;
