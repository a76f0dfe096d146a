# 050_upgrade: the upgrade from pg_bpm 0.1.0, with work in flight.
#
# A package upgrade, as a server sees it: a private copy of the PostgreSQL
# install that pg_config reports gets pg_bpm 0.1.0, built from the release
# commit (its SQL and its shared library); a server runs on it.
#
#  1. With 0.1.0, work is left in flight: processes waiting at user tasks
#     (one with a boundary timer), at an intermediate timer, at an async
#     SQL service task, at an SQL service task that failed and waits to be
#     retried, at an incident, at an external job a worker holds; a
#     process escalated to a case whose plan has started a child process,
#     has a milestone and a sentry waiting, and a timer listener; a free
#     task; and a process whose timer is already due.
#  2. The server stops; the current build's files replace 0.1.0's (the new
#     package); the server starts with the scheduler on. Until ALTER
#     EXTENSION pg_bpm UPDATE, the new library does not run jobs against
#     the old SQL: the scheduler logs once that the update is needed, and
#     the due timer waits. After the update, extversion is the control
#     file's default_version and the scheduler fires the timer by itself.
#  3. Every piece of work is finished (tasks completed, timers fired on the
#     mock clock with bpm.run_jobs, the incident retried, the case closed):
#     every instance ends as expected and its event chain verifies.
#  4. The catalog of the upgraded database equals that of a fresh CREATE
#     EXTENSION pg_bpm in another database of the same server: every
#     member of the extension, the full definitions of functions, tables
#     (columns in order, defaults, constraints, indexes, triggers,
#     policies), views and sequences, comments, ACLs, and the tables
#     registered with pg_extension_config_dump.
#
# Needs the git history (the 0.1.0 sources are taken from its commit).
use strict;
use warnings;

use File::Basename qw(basename dirname);
use File::Copy qw(copy);
use File::Path qw(make_path);
use File::Spec;
use IPC::Run;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# 0.1.0 is tagged v0.1.0, but a CI clone may have the commit without the tag.
my $release = '0d41b60';
# test/run passes the checkout (its work copy for the run user may have no .git).
my $root = $ENV{PGBPM_ROOT} // File::Spec->rel2abs(dirname(__FILE__) . '/../..');
# the checkout may belong to another user than the one the tests run as
my @git = ('git', '-c', "safe.directory=$root", '-C', $root);
# A checkout without that history (a shallow clone) skips the test, except
# in CI, where a skipped upgrade test would hide a broken upgrade path.
if (system(@git, 'cat-file', '-e', "$release^{commit}") != 0)
{
	BAIL_OUT("the commit of 0.1.0 ($release) is not in the history of $root")
	  if $ENV{CI};
	plan skip_all => "the commit of 0.1.0 ($release) is not in the history of $root";
}

# ---------------------------------------------------------------- the install, 0.1.0
sub pg_config
{
	my ($pg_config, $option) = @_;
	my ($out) = run_command([ $pg_config, $option ]);
	chomp $out;
	return $out;
}

sub run_or_die
{
	my @cmd = @_;
	my ($out, $err) = run_command(\@cmd);
	die "@cmd failed:\n$out$err" if $?;
}

# The installation pg_config reports: bindir's parent (bin/ and lib/), sharedir and
# includedir, copied under one prefix with their layout relative to each other
# (PostgreSQL finds share/ and lib/ relative to its binaries).
my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
my %dir = (
	install => dirname(pg_config($pg_config, '--bindir')),
	share   => pg_config($pg_config, '--sharedir'),
	include => pg_config($pg_config, '--includedir'));
my @parts = split m{/}, $dir{install};
while (grep { index("$_/", join('/', @parts) . '/') != 0 } values %dir) { pop @parts; }
my $common = join('/', @parts);
my $copy   = PostgreSQL::Test::Utils::tempdir('pg');
for my $d (values %dir)
{
	my $to = $copy . substr($d, length $common);
	make_path(dirname($to));
	run_or_die('cp', '-a', $d, $to);
}
my $install = $copy . substr($dir{install}, length $common);
my $copy_pg_config = "$install/bin/pg_config";
my %ext = (
	old_lib => pg_config($copy_pg_config, '--pkglibdir'),
	old_ext => pg_config($copy_pg_config, '--sharedir') . '/extension',
	new_lib => pg_config($pg_config,      '--pkglibdir'),
	new_ext => pg_config($pg_config,      '--sharedir') . '/extension');

# pg_bpm 0.1.0 alone, built from its commit
unlink glob("$ext{old_lib}/pg_bpm.so $ext{old_ext}/pg_bpm.control $ext{old_ext}/pg_bpm--*.sql");
my $src = PostgreSQL::Test::Utils::tempdir('src');
IPC::Run::run([ @git, 'archive', $release ], '|', [ 'tar', '-x', '-C', $src ])
  or die "git archive $release failed";
run_or_die('make', '-C', $src, '-s', '-j2', "PG_CONFIG=$copy_pg_config", 'with_llvm=no', 'install');
ok(-e "$ext{old_ext}/pg_bpm--0.1.0.sql", 'pg_bpm 0.1.0 is built and installed in a copy of PostgreSQL');

my $node = PostgreSQL::Test::Cluster->new('upgrade', install_path => $install);
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_bpm'
pg_bpm.scheduler = off
max_worker_processes = 20
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', q{CREATE EXTENSION pg_bpm VERSION '0.1.0'});
is($node->safe_psql('app', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_bpm'}),
	'0.1.0', 'the database has pg_bpm 0.1.0');

# ---------------------------------------------------------------- 1. work in flight
$node->safe_psql('app', q{
SET pg_bpm.mock_now = '2030-01-01 09:00:00+00';
CREATE SCHEMA work;
CREATE TABLE work.gateway (up boolean NOT NULL);
INSERT INTO work.gateway VALUES (false);
CREATE FUNCTION work.double(data jsonb) RETURNS jsonb LANGUAGE sql
    AS $$ SELECT jsonb_build_object('doubled', (data->>'n')::int * 2) $$;
CREATE FUNCTION work.charge(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (SELECT up FROM work.gateway) THEN
        RAISE EXCEPTION 'card gateway down';
    END IF;
    RETURN '{"charged": true}';
END $$;

SELECT bpm.deploy('{"key": "ticket", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "answer", "type": "user_task", "name": "Answer the ticket"},
    {"id": "late", "type": "boundary_event", "attached_to": "answer", "timer": {"duration": "PT4H"}},
    {"id": "takeover", "type": "user_task", "name": "Take over the late ticket"},
    {"id": "answered", "type": "end_event"},
    {"id": "taken_over", "type": "end_event"}],
  "flows": [{"from": "start", "to": "answer"}, {"from": "answer", "to": "answered"},
            {"from": "late", "to": "takeover"}, {"from": "takeover", "to": "taken_over"}]}');
SELECT bpm.deploy('{"key": "reminder", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "wait", "type": "intermediate_event", "timer": {"duration": "PT1H"}},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "wait"}, {"from": "wait", "to": "end"}]}');
SELECT bpm.deploy('{"key": "double", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "double", "type": "service_task", "implementation": "sql", "function": "work.double",
     "async": true},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "double"}, {"from": "double", "to": "end"}]}');
SELECT bpm.deploy('{"key": "order", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "charge", "type": "service_task", "implementation": "sql", "function": "work.charge"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "charge"}, {"from": "charge", "to": "end"}]}');
SELECT bpm.deploy('{"key": "once", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "charge", "type": "service_task", "implementation": "sql", "function": "work.charge",
     "retries": 1},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "charge"}, {"from": "charge", "to": "end"}]}');
SELECT bpm.deploy('{"key": "shipment", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "label", "type": "service_task", "topic": "labels"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "label"}, {"from": "label", "to": "end"}]}');
SELECT bpm.deploy('{"key": "payout", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "pay", "type": "user_task", "name": "Pay the claim"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "pay"}, {"from": "pay", "to": "end"}]}');
SELECT bpm.deploy('{"key": "claim", "kind": "case", "plan": [
    {"id": "assess", "type": "human_task", "required": true},
    {"id": "payout", "type": "process_task", "process": "payout", "required": true,
     "entry": [{"on": ["assess.complete"]}]},
    {"id": "resolved", "type": "milestone", "entry": [{"if": "exists($.resolution)"}]},
    {"id": "sla", "type": "timer_listener", "timer": {"duration": "P10D"}},
    {"id": "escalate", "type": "human_task", "entry": [{"on": ["sla.occur"]}]}]}');
SELECT bpm.deploy('{"key": "intake", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "to_case", "type": "escalate_to_case", "case": "claim"},
    {"id": "register", "type": "user_task", "name": "Register the claim"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "to_case"}, {"from": "to_case", "to": "register"},
            {"from": "register", "to": "end"}]}');
SELECT bpm.deploy('{"key": "wake", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "wait", "type": "intermediate_event", "timer": {"duration": "PT1S"}},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "wait"}, {"from": "wait", "to": "end"}]}');

-- an SQL service task that failed once and waits to be retried, another
-- with no retries left (an incident)
SELECT bpm.start('order', '{}', 'retrying');
SELECT bpm.start('once', '{}', 'incident');
SELECT bpm.run_jobs();
SELECT bpm.start('ticket', '{}', 'answered');
SELECT bpm.start('ticket', '{}', 'late');
SELECT bpm.start('reminder', '{}', 'reminder');
SELECT bpm.start('double', '{"n": 21}', 'async');
SELECT bpm.start('shipment', '{}', 'shipment');
SELECT count(*) FROM bpm.fetch_and_lock('labels', 'w1', lock_for => '30 days');
SELECT bpm.start('intake', '{}', 'intake');
SELECT bpm.complete_task(t.id) FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
 WHERE i.kind = 'case' AND t.node_id = 'assess';
SELECT bpm.create_task('Water the plants', assignee => 'ann');
-- due long ago: the first scheduler to look would fire it
SET pg_bpm.mock_now = '2020-01-01 00:00:00+00';
SELECT bpm.start('wake', '{}', 'wake');
});

# Where everything stands, from the job table and the plan.
my $in_flight = q{
SELECT string_agg(line, E'\n' ORDER BY line) FROM (
  SELECT format('job %s %s %s retries %s', coalesce(i.business_key, d.key), j.node_id, j.kind, j.retries) AS line
    FROM bpm.job j JOIN bpm.instance i ON i.id = j.instance_id JOIN bpm.definition d ON d.id = i.definition_id
  UNION ALL
  SELECT format('instance %s %s %s', coalesce(i.business_key, d.key), i.kind, i.state)
    FROM bpm.instance i JOIN bpm.definition d ON d.id = i.definition_id
  UNION ALL
  SELECT format('task %s %s %s', coalesce(i.business_key, d.key, '(free)'), coalesce(t.node_id, t.title), t.status)
    FROM bpm.task t LEFT JOIN bpm.instance i ON i.id = t.instance_id
    LEFT JOIN bpm.definition d ON d.id = i.definition_id
  UNION ALL
  SELECT format('plan %s %s', item_id, state) FROM bpm.case_plan) lines};
# the instances, by business key (the case and its child by definition key) and kind
my @instances = (
	'answered process', 'async process',  'claim case',       'incident process',
	'intake process',   'late process',   'payout process',   'reminder process',
	'retrying process', 'shipment process', 'wake process');
my $before = $node->safe_psql('app', $in_flight);
is($before, join("\n",
		(map { "instance $_ running" } @instances),
		'job answered late boundary retries 3',
		'job async double async retries 3',
		'job claim sla case_timer retries 3',
		'job incident charge service retries 0',
		'job late late boundary retries 3',
		'job reminder wait timer retries 3',
		'job retrying charge service retries 2',
		'job shipment label external retries 3',
		'job wake wait timer retries 3',
		'plan assess completed',
		'plan escalate available',
		'plan payout active',
		'plan resolved available',
		'plan sla available',
		'task (free) Water the plants open',
		'task answered answer open',
		'task claim assess completed',
		'task late answer open',
		'task payout pay open'),
	'0.1.0 leaves work in flight: timers, retries, an incident, an external job, a case with a child, a free task')
  or diag($before);

# ---------------------------------------------------------------- 2. the package upgrade
$node->stop;
copy("$ext{new_lib}/pg_bpm.so", "$ext{old_lib}/pg_bpm.so") or die "copy pg_bpm.so: $!";
for my $f (glob("$ext{new_ext}/pg_bpm.control $ext{new_ext}/pg_bpm--*.sql"))
{
	copy($f, "$ext{old_ext}/" . basename($f)) or die "copy $f: $!";
}
my ($version) = slurp_file("$ext{new_ext}/pg_bpm.control") =~ /^default_version\s*=\s*'([^']+)'/m;
# naptime one hour: the scheduler resumes because the update wakes it
$node->append_conf('postgresql.conf', q{
pg_bpm.scheduler = on
pg_bpm.naptime = '1h'
});
my $log_offset = -s $node->logfile;
$node->start;

my $waits = qr/database "app" has pg_bpm 0\.1\.0 installed, the library is \Q$version\E: no jobs run there/;
my $fired = q{SELECT count(*) = 0 FROM bpm.job j JOIN bpm.instance i ON i.id = j.instance_id
  WHERE i.business_key = 'wake'};
# Until the scheduler has said it waits, or (which it must not) has fired the timer.
my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
until (slurp_file($node->logfile, $log_offset) =~ $waits
	  or $node->safe_psql('app', $fired) eq 't'
	  or time > $deadline)
{
	usleep(100_000);
}
ok(slurp_file($node->logfile, $log_offset) =~ $waits,
	'the scheduler of the new library finds the 0.1.0 SQL and says so in the log');
is($node->safe_psql('app', $fired), 'f', '... and does not fire the due timer');
# Nor does the engine act for a client: a task completed now would write
# rows the old tables cannot hold.
my $answered = q{SELECT bpm.complete_task(t.id) FROM bpm.task t
  JOIN bpm.instance i ON i.id = t.instance_id WHERE i.business_key = 'answered'};
my ($rc, $out, $err) = $node->psql('app', $answered, on_error_stop => 1,
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/ERROR:  55000: pg_bpm 0\.1\.0 is installed in this database, but the library is \Q$version\E/,
	'an API call before the update is refused with 55000, saying which versions meet');
like($err, qr/HINT:  Run ALTER EXTENSION pg_bpm UPDATE\./, '... with the hint to update');
is($node->safe_psql('app', $in_flight), $before, '... and changes nothing');
# An update rolled back leaves the old SQL: a session that saw the new one
# inside that transaction asks again (found in review).
($rc, $out, $err) = $node->psql('app', qq{
BEGIN;
ALTER EXTENSION pg_bpm UPDATE;
SELECT bpm.cancel(id, 'inside the update') FROM bpm.instance WHERE business_key = 'answered';
ROLLBACK;
$answered;}, extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/ERROR:  55000: pg_bpm 0\.1\.0 is installed in this database/,
	'after an update rolled back, the same session is refused again with 55000');

$node->safe_psql('app', 'ALTER EXTENSION pg_bpm UPDATE');
is($node->safe_psql('app', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_bpm'}),
	$version, "ALTER EXTENSION UPDATE brings it to the control file's default_version, $version");
ok( $node->poll_query_until('app', q{SELECT state = 'completed' FROM bpm.instance WHERE business_key = 'wake'}),
	'then the scheduler fires the due timer by itself');
my $said = () = slurp_file($node->logfile, $log_offset) =~ /$waits/g;
is($said, 1, 'the scheduler said once that the update was needed');
is( $node->safe_psql('app', q{
		WITH RECURSIVE up (id, ancestor) AS (
			SELECT id, id FROM bpm.instance
			UNION ALL
			SELECT up.id, i.parent_id FROM up JOIN bpm.instance i ON i.id = up.ancestor
			 WHERE i.parent_id IS NOT NULL)
		SELECT count(*) FILTER (WHERE i.parent_id IS NOT NULL) || ' ' ||
		       bool_and(i.root_id = (SELECT up.ancestor FROM up JOIN bpm.instance a ON a.id = up.ancestor
		                              WHERE up.id = i.id AND a.parent_id IS NULL))
		  FROM bpm.instance i}),
	'2 true', 'the update gave every instance its family root (root_id): a case and its child process have the escalating process\'s');

# ---------------------------------------------------------------- 3. the work finishes
# On the mock clock, which the scheduler (on the real one) never reaches.
$node->safe_psql('app', q{
SET pg_bpm.mock_now = '2030-01-01 09:30:00+00';
SELECT bpm.complete_task(t.id) FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
 WHERE i.business_key = 'answered';
SELECT bpm.complete_job(j.id, 'w1', '{"label": "L-1"}') FROM bpm.job j
  JOIN bpm.instance i ON i.id = j.instance_id WHERE i.business_key = 'shipment';
SELECT bpm.complete_task(t.id) FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
 WHERE i.kind = 'process' AND t.node_id = 'pay';
SELECT bpm.update_case(i.id, '{"resolution": "paid"}') FROM bpm.instance i WHERE i.kind = 'case';
UPDATE work.gateway SET up = true;
-- ten days on: the boundary timer, the reminder, the case's timer listener,
-- the retry and the async step fall due
SET pg_bpm.mock_now = '2030-01-11 10:00:00+00';
SELECT bpm.run_jobs();
SELECT bpm.retry_incident(j.id) FROM bpm.job j JOIN bpm.instance i ON i.id = j.instance_id
 WHERE i.business_key = 'incident';
SELECT bpm.run_jobs();
SELECT bpm.complete_task(t.id) FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
 WHERE i.business_key = 'late' AND t.node_id = 'takeover';
SELECT bpm.complete_task(t.id) FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
 WHERE i.kind = 'case' AND t.node_id = 'escalate';
SELECT bpm.close_case(i.id, 'paid') FROM bpm.instance i WHERE i.kind = 'case';
SELECT bpm.complete_task(t.id) FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
 WHERE i.business_key = 'intake' AND t.node_id = 'register';
SET bpm.actor = 'ann';
SELECT bpm.complete_task(id) FROM bpm.task WHERE title = 'Water the plants';
});
my $after = $node->safe_psql('app', $in_flight);
is($after, join("\n",
		(map { "instance $_ completed" } @instances),
		(map { "plan $_ completed" } qw(assess escalate payout resolved sla)),
		'task (free) Water the plants completed',
		'task answered answer completed',
		'task claim assess completed',
		'task claim escalate completed',
		'task intake register completed',
		'task late answer cancelled',
		'task late takeover completed',
		'task payout pay completed'),
	'after the upgrade every piece of work finishes: no job is left, every instance and plan item completed')
  or diag($after);
is( $node->safe_psql('app',
		q{SELECT count(*) FILTER (WHERE v.ok) || ' of ' || count(*)
		    FROM bpm.instance i, bpm.verify_events(i.id) v}),
	'11 of 11', 'the event chain of every instance verifies, across the upgrade');
is( $node->safe_psql('app',
		q{SELECT count(*) FILTER (WHERE v.ok) || ' of ' || count(*)
		    FROM bpm.instance i, bpm.verify_state(i.id) v}),
	'11 of 11', 'every instance is what its events say, those opened by 0.1.0 too');
is( $node->safe_psql('app', q{SELECT data->>'doubled' || ' ' || (SELECT data->>'label' FROM bpm.instance WHERE business_key = 'shipment')
		  FROM bpm.instance WHERE business_key = 'async'}),
	'42 L-1', 'the steps\' results are in the instances\' data');

# ---------------------------------------------------------------- 4. the catalog
# Every member of the extension, and what defines it, by name (never by
# oid), one entry per object, sorted. Columns are numbered in their order,
# without dropped ones: code that reads rows by position sees that order.
my $catalog = q{
WITH member AS (
  SELECT d.classid, d.objid, d.objsubid
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'pg_bpm'),
rel AS (
  SELECT c.* FROM pg_class c JOIN member m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid),
entry AS (
  SELECT 'member ' || pg_describe_object(classid, objid, objsubid) FROM member
  UNION ALL
  SELECT format(E'function %s\n%s\nacl %s\ncomment %s', p.oid::regprocedure,
                CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE p.prokind::text END,
                p.proacl, obj_description(p.oid, 'pg_proc'))
    FROM pg_proc p JOIN member m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
  UNION ALL
  SELECT format('relation %s kind %s persistence %s rls %s forced %s options %s acl %s comment %s',
                c.oid::regclass, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
                c.reloptions, c.relacl, obj_description(c.oid, 'pg_class'))
    FROM rel c
  UNION ALL
  SELECT format('column %s #%s %s %s notnull %s default %s identity "%s" generated "%s" collation %s acl %s comment %s',
                a.attrelid::regclass, lpad((row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum))::text, 2, '0'),
                a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
                CASE WHEN a.attcollation <> 0 THEN a.attcollation::regcollation END,
                a.attacl, col_description(a.attrelid, a.attnum))
    FROM pg_attribute a JOIN rel c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT format('constraint %s on %s: %s deferrable %s deferred %s comment %s', co.conname, c.oid::regclass,
                pg_get_constraintdef(co.oid), co.condeferrable, co.condeferred,
                obj_description(co.oid, 'pg_constraint'))
    FROM pg_constraint co JOIN rel c ON c.oid = co.conrelid
  UNION ALL
  SELECT format('index %s comment %s', pg_get_indexdef(i.indexrelid), obj_description(i.indexrelid, 'pg_class'))
    FROM pg_index i JOIN rel c ON c.oid = i.indrelid
  UNION ALL
  SELECT format('trigger %s enabled %s comment %s', pg_get_triggerdef(t.oid), t.tgenabled,
                obj_description(t.oid, 'pg_trigger'))
    FROM pg_trigger t JOIN rel c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
  UNION ALL
  SELECT format(E'rule %s\ncomment %s', pg_get_ruledef(r.oid), obj_description(r.oid, 'pg_rewrite'))
    FROM pg_rewrite r JOIN rel c ON c.oid = r.ev_class WHERE r.rulename <> '_RETURN'
  UNION ALL
  SELECT format(E'view %s\n%s', c.oid::regclass, pg_get_viewdef(c.oid)) FROM rel c WHERE c.relkind IN ('v', 'm')
  UNION ALL
  SELECT format('policy %s on %s: %s %s to %s using %s check %s', po.polname, c.oid::regclass,
                po.polcmd, CASE WHEN po.polpermissive THEN 'permissive' ELSE 'restrictive' END,
                po.polroles::regrole[], pg_get_expr(po.polqual, po.polrelid),
                pg_get_expr(po.polwithcheck, po.polrelid))
    FROM pg_policy po JOIN rel c ON c.oid = po.polrelid
  UNION ALL
  SELECT format('sequence %s %s start %s increment %s min %s max %s cache %s cycle %s', c.oid::regclass,
                format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
    FROM pg_sequence s JOIN rel c ON c.oid = s.seqrelid
  UNION ALL
  SELECT format('type %s kind %s labels %s comment %s', t.oid::regtype, t.typtype,
                (SELECT array_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid),
                obj_description(t.oid, 'pg_type'))
    FROM pg_type t JOIN member m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
  UNION ALL
  SELECT format('schema %s owner is installer %s acl %s comment %s', n.nspname,
                n.nspowner = (SELECT extowner FROM pg_extension WHERE extname = 'pg_bpm'), n.nspacl,
                obj_description(n.oid, 'pg_namespace'))
    FROM pg_namespace n JOIN member m ON m.classid = 'pg_namespace'::regclass AND m.objid = n.oid
  UNION ALL
  SELECT format('config dump %s where "%s"', c.oid::regclass, x.condition)
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(config, condition)
    JOIN pg_class c ON c.oid = x.config
   WHERE e.extname = 'pg_bpm')
SELECT string_agg(line, E'\n' ORDER BY line COLLATE "C") FROM entry AS e(line)};

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION pg_bpm');
my %cat = map { $_ => $node->safe_psql($_, $catalog) } qw(app fresh);
cmp_ok(scalar(() = $cat{fresh} =~ /^function /mg), '>', 40,
	'the catalog query sees the functions of the extension');
# Compared as a unified diff, which a failure shows: lines the upgrade
# script lacks (-) or has and a fresh install has not (+).
my $dir = PostgreSQL::Test::Utils::tempdir('catalog');
PostgreSQL::Test::Utils::append_to_file("$dir/$_", "$cat{$_}\n") for keys %cat;
my ($diff) = run_command(
	[ 'diff', '-u', '--label', 'fresh install', '--label', 'upgraded', "$dir/fresh", "$dir/app" ]);
is($diff, '', 'the catalog of the upgraded database is that of a fresh install');

$node->stop;
done_testing();
