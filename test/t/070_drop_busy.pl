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
# that rolls back lets the workers come back and finish the jobs.
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
  AS $$ SELECT pg_sleep(0.02); SELECT '{"slept": true}'::jsonb $$;
CREATE EXTENSION pg_bpm;
SELECT bpm.deploy('{"key": "slow",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "work", "type": "service_task", "implementation": "sql",
             "function": "public.slow_step", "async": true},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "work"}, {"from": "work", "to": "end"}]}');
SELECT bpm.start('slow') FROM generate_series(1, 40);
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
		q{SELECT count(*) = 40 FROM bpm.instance WHERE state = 'completed'}),
	'after a drop rolled back, the workers come back and every instance completes');
is($node->safe_psql('kept',
		q{SELECT count(*) FROM bpm.instance i, LATERAL bpm.verify_events(i.id) v WHERE NOT v.ok}),
	'0', '... and every event chain verifies');

$node->stop;
done_testing();
