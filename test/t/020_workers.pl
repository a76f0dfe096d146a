# 020_workers: the background workers.
#
# A server with pg_bpm preloaded and pg_bpm.naptime at one hour: any job
# that runs promptly was started by a wake-up at commit, not by a scheduler
# waking up by itself.
#
#  1. The launcher finds the databases that have the extension, and only
#     those; the workers show in pg_stat_activity by their backend_type.
#  2. A timer fires and an async step and an SQL service task run without
#     anyone calling bpm.run_jobs; the service's function runs as the role
#     that deployed the definition, not as a superuser, and sees the runner
#     as the acting user (its role may act for others); the events name the
#     runner as actor. A timer start event starts instances by itself.
#  3. SIGHUP: fewer runners, the scheduler switched off (workers leave,
#     bpm.run_jobs still works) and on again.
#  4. A terminated scheduler is started again; a killed runner is replaced.
#  5. DROP EXTENSION makes the scheduler leave; CREATE EXTENSION brings it
#     back.
#  6. ALTER DATABASE ... RENAME, CREATE DATABASE ... TEMPLATE and DROP
#     DATABASE succeed while the database's workers run.
#  7. A standby runs no workers.
#
# No timing assertions: every wait polls with the test framework's timeout.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('workers');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_bpm'
pg_bpm.naptime = '1h'
max_worker_processes = 20
});
$node->start;

sub workers
{
	my ($type, $db) = @_;
	my $where = defined $db ? "AND datname = '$db'" : '';
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_bpm $type' $where");
}

sub wait_for_workers
{
	my ($type, $db, $count, $what) = @_;
	my $where = defined $db ? "AND datname = '$db'" : '';
	ok( $node->poll_query_until('postgres',
			"SELECT count(*) = $count FROM pg_stat_activity WHERE backend_type = 'pg_bpm $type' $where"),
		$what);
}

sub reload
{
	my ($setting) = @_;
	$node->safe_psql('postgres', "ALTER SYSTEM SET $setting");
	$node->reload;
}

# ---------------------------------------------------------------- 1. discovery
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('postgres', 'CREATE DATABASE plain');
$node->safe_psql('app', 'CREATE EXTENSION pg_bpm');
is(workers('launcher'), 1, 'one launcher');
wait_for_workers('scheduler', 'app', 1, 'CREATE EXTENSION starts a scheduler in its database');
is(workers('scheduler', 'plain'), 0, 'a database without pg_bpm has no scheduler');
is(workers('scheduler', 'postgres'), 0, 'nor has the postgres database');

# ---------------------------------------------------------------- 2. jobs run by themselves
$node->safe_psql('app', q{
CREATE ROLE clerk LOGIN;
CREATE SCHEMA work AUTHORIZATION clerk;
SET ROLE clerk;
CREATE FUNCTION work.who(data jsonb) RETURNS jsonb LANGUAGE sql
    AS $$ SELECT jsonb_build_object('ran_as', current_user::text, 'actor', bpm.current_actor()) $$;
SELECT bpm.deploy('{"key": "chores",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "later", "type": "intermediate_event", "timer": {"duration": "PT1S"}},
            {"id": "who", "type": "service_task", "implementation": "sql", "function": "work.who",
             "async": true},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "later"}, {"from": "later", "to": "who"},
            {"from": "who", "to": "end"}]}');
RESET ROLE;
});
my $id = $node->safe_psql('app', q{SELECT bpm.start('chores', '{}', 'first')});
ok($node->poll_query_until('app', "SELECT state = 'completed' FROM bpm.instance WHERE id = $id"),
	'the timer, the async step and the service task ran without bpm.run_jobs');
is($node->safe_psql('app', "SELECT data->>'ran_as' FROM bpm.instance WHERE id = $id"),
	'clerk', 'the service function ran as the role that deployed the definition');
is($node->safe_psql('app', "SELECT data->>'actor' FROM bpm.instance WHERE id = $id"),
	'pg_bpm', 'and its acting user was the runner, pg_bpm');
is( $node->safe_psql('app',
		"SELECT string_agg(DISTINCT actor, ',') FROM bpm.event WHERE instance_id = $id "
		  . "AND kind IN ('timer_fired', 'job_completed')"),
	'pg_bpm',
	'events of jobs the runners ran name pg_bpm as actor');
is($node->safe_psql('app', "SELECT ok FROM bpm.verify_events($id)"),
	't', 'the event chain of the instance verifies');
wait_for_workers('runner', 'app', 2, 'pg_bpm.max_job_workers runners (default 2) serve the database');
$node->safe_psql('app', q{
SELECT bpm.deploy('{"key": "heartbeat",
  "nodes": [{"id": "start", "type": "start_event", "timer": {"cycle": "R3/PT1S"}},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "end"}]}');
});
ok( $node->poll_query_until('app',
		"SELECT count(*) = 3 FROM bpm.instance i JOIN bpm.definition d ON d.id = i.definition_id "
		  . "WHERE d.key = 'heartbeat' AND i.state = 'completed'"),
	'a timer start event R3/PT1S starts three instances by itself');
is( $node->safe_psql('app',
		"SELECT count(*) FROM bpm.job j JOIN bpm.definition d ON d.id = j.definition_id WHERE d.key = 'heartbeat'"),
	'0', '... and its timer is gone after the third');

# ---------------------------------------------------------------- 3. SIGHUP
reload('pg_bpm.max_job_workers = 1');
wait_for_workers('runner', 'app', 1, 'a lower pg_bpm.max_job_workers stops a runner');
reload('pg_bpm.scheduler = off');
wait_for_workers('scheduler', undef, 0, 'pg_bpm.scheduler = off: the scheduler leaves');
wait_for_workers('runner', undef, 0, '... and its runners with it');
is(workers('launcher'), 1, '... and the launcher stays');
$id = $node->safe_psql('app', q{SELECT bpm.start('chores', '{}', 'by hand')});
$node->safe_psql('app', q{SELECT pg_sleep(1.2)});
is($node->safe_psql('app', q{SELECT bpm.run_jobs()}), '3',
	'bpm.run_jobs runs the due timer by hand, the async continuation and the service task');
is($node->safe_psql('app', "SELECT state FROM bpm.instance WHERE id = $id"),
	'completed', '... and the instance completes');
reload('pg_bpm.scheduler = on');
wait_for_workers('scheduler', 'app', 1, 'pg_bpm.scheduler = on: the scheduler is back');
$id = $node->safe_psql('app', q{SELECT bpm.start('chores', '{}', 'after reload')});
ok($node->poll_query_until('app', "SELECT state = 'completed' FROM bpm.instance WHERE id = $id"),
	'and runs jobs again');

# ---------------------------------------------------------------- 4. restarts
my $scheduler = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_bpm scheduler'});
$node->safe_psql('postgres', "SELECT pg_terminate_backend($scheduler)");
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_bpm scheduler' "
		  . "AND pid <> $scheduler"),
	'a terminated scheduler is started again');
$id = $node->safe_psql('app', q{SELECT bpm.start('chores', '{}', 'new scheduler')});
ok($node->poll_query_until('app', "SELECT state = 'completed' FROM bpm.instance WHERE id = $id"),
	'the new scheduler starts runners for due jobs');
my $runner = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_bpm runner'});
$node->safe_psql('postgres', "SELECT pg_terminate_backend($runner)");
$id = $node->safe_psql('app', q{SELECT bpm.start('chores', '{}', 'new runner')});
ok($node->poll_query_until('app', "SELECT state = 'completed' FROM bpm.instance WHERE id = $id"),
	'a terminated runner is replaced when jobs fall due');

# ---------------------------------------------------------------- 5. DROP / CREATE EXTENSION
$node->safe_psql('app', 'DROP EXTENSION pg_bpm CASCADE');
wait_for_workers('scheduler', 'app', 0, 'DROP EXTENSION: the scheduler leaves');
wait_for_workers('runner', 'app', 0, '... with its runners');
$node->safe_psql('app', 'CREATE EXTENSION pg_bpm');
wait_for_workers('scheduler', 'app', 1, 'CREATE EXTENSION again: the scheduler is back');

# ---------------------------------------------------------------- 6. databases that need to be alone
$node->safe_psql('app', q{
SELECT bpm.deploy('{"key": "tick",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "go", "type": "script_task", "function": "pg_catalog.jsonb_strip_nulls", "async": true},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "go"}, {"from": "go", "to": "end"}]}');
SELECT bpm.start('tick');
});
wait_for_workers('runner', 'app', 1, 'the database has a scheduler and a runner');
$node->safe_psql('postgres', 'ALTER DATABASE app RENAME TO app2');
pass('ALTER DATABASE ... RENAME is not blocked by the workers');
wait_for_workers('scheduler', 'app2', 1, 'the renamed database gets its scheduler back');
$node->safe_psql('postgres', 'CREATE DATABASE app3 TEMPLATE app2');
pass('CREATE DATABASE ... TEMPLATE is not blocked by the workers');
wait_for_workers('scheduler', 'app3', 1, 'the copy, which has pg_bpm, gets a scheduler');
$node->safe_psql('app3', q{SELECT bpm.start('tick')});
wait_for_workers('runner', 'app3', 1, 'and runners when its jobs fall due');
$node->safe_psql('postgres', 'DROP DATABASE app3');
pass('DROP DATABASE is not blocked by the workers');
wait_for_workers('scheduler', 'app2', 1, 'the other database keeps its scheduler');

# ---------------------------------------------------------------- 7. no workers on a standby
$node->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'base', has_streaming => 1);
$standby->start;
$node->safe_psql('app2', q{SELECT bpm.start('tick')});
$node->wait_for_catchup($standby);
is( $standby->safe_psql('postgres',
		q{SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'pg_bpm%'}),
	'0', 'a standby runs no pg_bpm workers');
$standby->promote;
ok( $standby->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_bpm scheduler'}),
	'once promoted, it starts its launcher and a scheduler');

$standby->stop;
$node->stop;
done_testing();
