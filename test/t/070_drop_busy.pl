# 070_drop_busy: DROP EXTENSION pg_bpm while the runners are busy.
#
# A runner in the middle of a job holds locks on pg_bpm's tables; DROP
# EXTENSION takes their locks one after another, so the two could deadlock
# (40P01, about 2 times in 10 before the workers stepped aside). The
# utility hook stops the database's workers before the drop runs and keeps
# them away until its transaction ends.
#
# Ten rounds, each in a new database: create the extension, start enough instances whose SQL
# service task sleeps a little that both runners are busy, wait until a
# runner is active in a job, then DROP EXTENSION pg_bpm CASCADE (rounds
# alternate with DROP SCHEMA bpm CASCADE). Every drop succeeds, the workers
# leave, and the next CREATE EXTENSION brings the scheduler back. A drop
# that rolls back lets the workers come back and finish the jobs. A drop
# that another role attempts, and is refused, stops no worker.
#
# No timing assertions: every wait polls with the test framework's timeout.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('drop_busy');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_bpm'
pg_bpm.naptime = '1h'
pg_bpm.max_job_workers = 2
max_worker_processes = 20
});
$node->start;

# A database of its own per round: a scheduler that left is started again at
# most once per 5 s (launcher.c), a new database's at once.
sub busy
{
	my ($db) = @_;
	return qq{SELECT count(*) > 0 FROM pg_stat_activity
  WHERE datname = '$db' AND backend_type = 'pg_bpm runner' AND state = 'active'};
}

sub fill
{
	my ($db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, q{
CREATE FUNCTION public.slow_step(data jsonb) RETURNS jsonb LANGUAGE sql
  AS $$ SELECT pg_sleep(0.1); SELECT '{"slept": true}'::jsonb $$;
CREATE EXTENSION pg_bpm;
SELECT bpm.deploy('{"key": "slow",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "work", "type": "service_task", "implementation": "sql",
             "function": "public.slow_step", "async": true},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "work"}, {"from": "work", "to": "end"}]}');
SELECT bpm.start('slow') FROM generate_series(1, 60);
});
}

my $failures = 0;
for my $round (1 .. 10)
{
	my $db = "app$round";
	fill($db);
	$node->poll_query_until($db, busy($db)) or die "round $round: no runner became busy";
	my $drop = $round % 2 ? 'DROP EXTENSION pg_bpm CASCADE' : 'DROP SCHEMA bpm CASCADE';
	my ($rc, $out, $err) = $node->psql($db, $drop);
	if ($rc != 0)
	{
		$failures++;
		diag("round $round: $drop failed: $err");
		$node->safe_psql($db, 'DROP EXTENSION IF EXISTS pg_bpm CASCADE');
	}
	$node->poll_query_until('postgres',
		qq{SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = '$db'
		    AND backend_type IN ('pg_bpm scheduler', 'pg_bpm runner')})
	  or die "round $round: the workers did not leave";
}
is($failures, 0, 'ten drops while the runners were busy, none failed');

# A drop that rolls back: the workers come back and finish the jobs.
fill('kept');
$node->poll_query_until('kept', busy('kept')) or die 'no runner became busy';
$node->safe_psql('kept', 'BEGIN; DROP EXTENSION pg_bpm CASCADE; ROLLBACK;');
ok( $node->poll_query_until('kept',
		q{SELECT count(*) = 60 FROM bpm.instance WHERE state = 'completed'}),
	'after a drop rolled back, the workers come back and every instance completes');
is($node->safe_psql('kept',
		q{SELECT count(*) FROM bpm.instance i, LATERAL bpm.verify_events(i.id) v WHERE NOT v.ok}),
	'0', '... and every event chain verifies');

# Only who may drop pg_bpm (or the database) makes the workers step aside:
# a statement that is refused must not stop another's workers for as long
# as the caller's transaction lasts (found in review).
$node->safe_psql('postgres', 'CREATE ROLE mallory LOGIN');
# what mallory's own transaction sees of the scheduler (pg_stat_activity
# hides other roles' backends from a plain role)
$node->safe_psql('kept', q{
CREATE FUNCTION public.scheduler_pid() RETURNS int LANGUAGE sql SECURITY DEFINER
  AS $$ SELECT pid FROM pg_stat_activity WHERE datname = 'kept' AND backend_type = 'pg_bpm scheduler' $$;
});
my $scheduler = q{SELECT pid FROM pg_stat_activity
  WHERE datname = 'kept' AND backend_type = 'pg_bpm scheduler'};
my $pid = $node->safe_psql('postgres', $scheduler);
ok($pid ne '', 'the database kept has its scheduler');
for my $attempt ('DROP SCHEMA bpm CASCADE', 'DROP EXTENSION pg_bpm CASCADE')
{
	my $sql = q{
BEGIN;
SAVEPOINT a;
DO $$ BEGIN EXECUTE 'ATTEMPT'; EXCEPTION WHEN insufficient_privilege THEN NULL; END $$;
ROLLBACK TO a;
SELECT pg_sleep(0.5);
SELECT public.scheduler_pid();
COMMIT;};
	$sql =~ s/ATTEMPT/$attempt/;
	my $out = $node->safe_psql('kept', $sql, extra_params => [ '-U', 'mallory' ]);
	is((split /\n/, $out)[-1], $pid, "a refused $attempt by another role leaves the scheduler running");
}
my ($rc, $out, $err) = $node->psql('postgres', qq{
BEGIN;
DROP DATABASE kept;
}, extra_params => [ '-U', 'mallory' ]);
like($err, qr/cannot run inside a transaction block|must be owner/, 'a DROP DATABASE that cannot run is refused');
is($node->safe_psql('postgres', $scheduler), $pid, '... and stopped no worker');

$node->stop;
done_testing();
