# 030_crash: jobs survive crashes of the server, done exactly once.
#
# A process whose every step is a job the background workers run:
#
#   start -> a (script task, "async": true)     ledger row (k, 'a')
#         -> wait (timer, PT0.2S..PT1S from the data)
#         -> s (service task, "implementation": "sql")  ledger row (k, 's')
#         -> end
#
# Both functions insert a row into public.ledger, in the job's transaction,
# with that transaction's id. In each of three rounds, two clients start
# instances (about 100 a second) while the workers run their jobs, and the
# server is killed under that load:
#
#   1. SIGKILL of a runner in the middle of a job: the postmaster
#      reinitializes (restart_after_crash = on) and the clients lose their
#      connections;
#   2. SIGKILL of the postmaster alone ($node->kill9); its orphaned children
#      are waited for, then the server is started again;
#   3. SIGKILL of every process of the server at once (a power cut, an OOM
#      kill of the whole service), then a start.
#
# After each crash the server comes back and the workers, with nothing new
# started, bring every instance to its end. Then:
#
#   - every start a client saw succeed is there (no committed start lost),
#     and every instance there was started by a client line;
#   - every instance is completed, with no token, job or incident left;
#   - the ledger has exactly one row per (instance, step), written in the
#     transaction that recorded that job's completion (same txid), and no
#     row of a rolled-back attempt;
#   - each instance's event log has exactly one job_created for a, wait
#     and s, exactly one completion of each (job_completed, timer_fired,
#     job_completed) naming that job, no job_failed or incident, all by the
#     runners (actor pg_bpm), and its hash chain verifies.
#
# A job that ran twice would show as a second ledger row or completion event
# (or as a failure, if the unique constraint refused it); a job lost would
# leave an instance running, a job row, or a missing ledger row.
#
# No timing assertions: every wait polls with the framework's timeout.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_bpm'
restart_after_crash = on
max_worker_processes = 8
pg_bpm.max_job_workers = 2
log_statement = none
});
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', q{
CREATE EXTENSION pg_bpm;
-- one row per (instance, step) and job run; the constraint would refuse a
-- second run's row, which would then fail its job (job_failed, incident)
CREATE TABLE public.ledger (
    k     bigint NOT NULL,
    step  text   NOT NULL,
    txid  bigint NOT NULL DEFAULT txid_current(),
    UNIQUE (k, step));
CREATE FUNCTION public.note_a(data jsonb) RETURNS jsonb LANGUAGE sql AS $$
    INSERT INTO public.ledger (k, step) VALUES ((data->>'k')::bigint, 'a')
    RETURNING jsonb_build_object('a_txid', txid) $$;
CREATE FUNCTION public.note_s(data jsonb) RETURNS jsonb LANGUAGE sql AS $$
    INSERT INTO public.ledger (k, step) VALUES ((data->>'k')::bigint, 's')
    RETURNING jsonb_build_object('s_txid', txid) $$;
SELECT bpm.deploy('{"key": "crash",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "a", "type": "script_task", "function": "public.note_a", "async": true},
            {"id": "wait", "type": "intermediate_event", "timer": {"duration": "$.wait"}},
            {"id": "s", "type": "service_task", "implementation": "sql",
             "function": "public.note_s"},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "a"}, {"from": "a", "to": "wait"},
            {"from": "wait", "to": "s"}, {"from": "s", "to": "end"}]}');
});

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $starts_per_client = 1000;
my %acked;		# k => instance id, for every start a client saw succeed
my %scripted;	# k => 1, for every start a client was given

# Two clients, each running a script of starts, one transaction each, and
# printing "k|instance id" for every start that returned. A short pause
# between starts keeps the load at what two runners can follow on a small
# machine (about 100 instances, 300 jobs a second), so that the workers are
# busy but no backlog builds that the next round would wait behind.
sub start_clients
{
	my ($round) = @_;
	my @clients;
	for my $c (1 .. 2)
	{
		my $base = ($round * 10 + $c) * 100000;
		my $script = "$tmp/starts_${round}_$c.sql";
		open my $fh, '>', $script or die "$script: $!";
		for my $i (1 .. $starts_per_client)
		{
			my $k = $base + $i;
			my $wait = sprintf('PT%.1fS', 0.2 + ($k % 9) / 10);
			$scripted{$k} = 1;
			print $fh "SELECT $k, bpm.start('crash', '{\"k\": $k, \"wait\": \"$wait\"}', 'k$k');\n",
			  "SELECT pg_sleep(0.02);\n";
		}
		close $fh;
		my $out = "$tmp/acked_${round}_$c.txt";
		my $h = IPC::Run::start(
			[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('app'), '-f', $script ],
			'>', $out, '2>', "$tmp/client_${round}_$c.err");
		push @clients, [ $h, $out ];
	}
	return \@clients;
}

# Wait for the clients (which end when their connection is lost) and note
# what they saw commit.
sub collect_clients
{
	my ($round, $clients) = @_;
	my $n = 0;
	for my $client (@$clients)
	{
		my ($h, $out) = @$client;
		$h->finish;		# non-zero when the server went away: expected
		open my $fh, '<', $out or die "$out: $!";
		while (my $line = <$fh>)
		{
			chomp $line;
			next if $line eq '';
			my ($k, $id) = split /\|/, $line;
			die "unexpected client output: $line" unless defined $id && $id =~ /^\d+$/;
			$acked{$k} = $id;
			$n++;
		}
		close $fh;
	}
	note("round $round: the clients saw $n starts commit");
	return $n;
}

# Wait until the round is under way: instances of this round started, the
# workers have done jobs of them, and jobs are waiting.
sub wait_for_load
{
	my ($round) = @_;
	my $lo = ($round * 10 + 1) * 100000;
	my $hi = ($round * 10 + 3) * 100000;
	ok( $node->poll_query_until('app', qq{
		SELECT (SELECT count(*) FROM bpm.instance WHERE business_key >= 'k$lo'
		          AND business_key < 'k$hi') >= 200
		   AND (SELECT count(*) FROM public.ledger WHERE k BETWEEN $lo AND $hi) >= 50
		   AND EXISTS (SELECT FROM bpm.job)}),
		"round $round: clients start instances and the workers run their jobs");
}

# The pids of a process's children, from /proc.
sub children_of
{
	my ($ppid) = @_;
	my @pids;
	opendir my $dh, '/proc' or die "/proc: $!";
	for my $pid (grep { /^\d+$/ } readdir $dh)
	{
		open my $fh, '<', "/proc/$pid/stat" or next;
		my $stat = <$fh>;
		close $fh;
		next unless defined $stat && $stat =~ /\)\s+\S+\s+(\d+)/;
		push @pids, $pid if $1 == $ppid;
	}
	closedir $dh;
	return @pids;
}

# The postmaster's pid, from its pid file.
sub postmaster_pid
{
	my ($pid) = split /\n/, slurp_file($node->data_dir . '/postmaster.pid');
	return $pid;
}

sub wait_gone
{
	my @pids = @_;
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	while (time < $deadline)
	{
		return 1 unless grep { kill(0, $_) } @pids;
		usleep(100_000);
	}
	diag('still alive: ' . join(' ', grep { kill(0, $_) } @pids));
	return 0;
}

# After a crash: the server accepts connections again, and the workers
# finish every instance that was committed (nothing new is started).
sub wait_for_recovery
{
	my ($round, $how) = @_;
	ok($node->poll_query_until('app', 'SELECT true'), "round $round: the server is back $how");
	ok( $node->poll_query_until('app',
			"SELECT NOT EXISTS (SELECT FROM bpm.instance WHERE state <> 'completed')"),
		"round $round: the workers bring every instance to its end");
}

# ---------------------------------------------------------------- 1. a runner killed mid-job
my $clients = start_clients(1);
wait_for_load(1);
my $runner = '';
for (1 .. 600)
{
	$runner = $node->safe_psql('app', q{
		SELECT pid FROM pg_stat_activity
		 WHERE backend_type = 'pg_bpm runner' AND state = 'active' AND backend_xid IS NOT NULL
		 LIMIT 1});
	last if $runner ne '';
	usleep(10_000);
}
isnt($runner, '', 'round 1: a runner is in the middle of a job');
my $log_offset = -s $node->logfile;
kill 'KILL', $runner;
ok( $node->wait_for_log(
		qr/background worker "pg_bpm runner" \(PID $runner\) was terminated by signal 9/,
		$log_offset),
	'round 1: SIGKILL of the runner makes the postmaster reinitialize');
collect_clients(1, $clients);
wait_for_recovery(1, 'after reinitializing');

# ---------------------------------------------------------------- 2. the postmaster killed alone
$clients = start_clients(2);
wait_for_load(2);
my @orphans = children_of(postmaster_pid());
$node->kill9;
collect_clients(2, $clients);
ok(wait_gone(@orphans), 'round 2: the children of the killed postmaster leave');
$node->start;
wait_for_recovery(2, 'after the postmaster was killed');

# ---------------------------------------------------------------- 3. every server process killed at once
$clients = start_clients(3);
wait_for_load(3);
my $pm = postmaster_pid();
kill 'STOP', $pm;		# so that it forks nothing while its children are collected
my @children = children_of($pm);
kill 'KILL', @children;
$node->kill9;
collect_clients(3, $clients);
ok(wait_gone(@children), 'round 3: every process of the server is gone');
$node->start;
wait_for_recovery(3, 'after all its processes were killed');

# ---------------------------------------------------------------- after the last restart
my %instances = map { split /\|/ } split /\n/,
  $node->safe_psql('app', "SELECT data->>'k', id FROM bpm.instance");
my $count = scalar keys %instances;
note("instances: $count, starts the clients saw commit: " . scalar(keys %acked));
cmp_ok(scalar(keys %acked), '>', 0, 'the clients saw starts commit');
is(join(',', grep { !defined $instances{$_} || $instances{$_} != $acked{$_} } sort keys %acked),
	'', 'every start a client saw commit is there, with the id the client got');
is(join(',', grep { !$scripted{$_} } sort keys %instances),
	'', 'every instance was started by a client');
cmp_ok($count - scalar(keys %acked), '<=', 6,
	'at most one start per client and crash committed without the client hearing of it');

is( $node->safe_psql('app', q{
		SELECT count(*) FILTER (WHERE state = 'completed') || '/' || count(*) FROM bpm.instance}),
	"$count/$count", 'every instance is completed');
is( $node->safe_psql('app', q{
		SELECT (SELECT count(*) FROM bpm.job) || '/' || (SELECT count(*) FROM bpm.incidents)
		       || '/' || (SELECT count(*) FROM bpm.token)}),
	'0/0/0', 'no job, incident or token is left');

# the ledger: each job's work exactly once, committed with the job
is( $node->safe_psql('app', q{
		SELECT count(*) || '/' || count(DISTINCT (k, step)) FROM public.ledger}),
	2 * $count . '/' . 2 * $count, 'the ledger has one row per instance and step');
is( $node->safe_psql('app', q{
		SELECT count(*) FROM bpm.instance i
		 WHERE (SELECT count(*) FROM public.ledger l
		         WHERE l.k = (i.data->>'k')::bigint AND l.step = 'a') <> 1
		    OR (SELECT count(*) FROM public.ledger l
		         WHERE l.k = (i.data->>'k')::bigint AND l.step = 's') <> 1}),
	'0', 'each instance has exactly one ledger row for a and one for s');
is( $node->safe_psql('app', q{
		SELECT count(*) FROM public.ledger l
		  JOIN bpm.instance i ON (i.data->>'k')::bigint = l.k
		 WHERE NOT EXISTS (SELECT FROM bpm.event e
		                    WHERE e.instance_id = i.id AND e.kind = 'job_completed'
		                      AND e.node_id = l.step AND e.txid = l.txid)}),
	'0', 'each ledger row was committed in the transaction that completed its job');
is( $node->safe_psql('app', q{
		SELECT count(*) FROM bpm.instance
		 WHERE (data->>'a_txid') IS NULL OR (data->>'s_txid') IS NULL}),
	'0', 'each function result was merged into its instance');

# the event log: one job per step, done once, by the runners
is( $node->safe_psql('app', q{
		WITH per_instance AS (
		  SELECT i.id,
		         count(*) FILTER (WHERE e.kind = 'job_created') AS created,
		         count(*) FILTER (WHERE e.kind IN ('job_completed', 'timer_fired')) AS done,
		         count(DISTINCT e.job_id) FILTER (WHERE e.kind = 'job_created') AS created_ids,
		         count(*) FILTER (WHERE e.kind = 'job_created'
		                            AND e.node_id || ':' || (e.data->>'kind')
		                                IN ('a:async', 'wait:timer', 's:service')) AS created_right,
		         count(*) FILTER (WHERE (e.kind, e.node_id) IN (('job_completed', 'a'),
		                            ('timer_fired', 'wait'), ('job_completed', 's'))) AS done_right,
		         count(*) FILTER (WHERE e.kind IN ('job_failed', 'incident')) AS failed,
		         count(*) FILTER (WHERE e.kind = 'instance_completed') AS ended
		    FROM bpm.instance i JOIN bpm.event e ON e.instance_id = i.id
		   GROUP BY i.id)
		SELECT count(*) FROM per_instance
		 WHERE (created, done, created_ids, created_right, done_right, failed, ended)
		       <> (3, 3, 3, 3, 3, 0, 1)}),
	'0', 'each instance has one job per step (async, timer, service), each done once, none failed');
is( $node->safe_psql('app', q{
		SELECT count(*) FROM bpm.event c
		 WHERE c.kind = 'job_created'
		   AND (SELECT count(*) FROM bpm.event d
		         WHERE d.instance_id = c.instance_id AND d.job_id = c.job_id
		           AND d.kind IN ('job_completed', 'timer_fired')) <> 1}),
	'0', 'every job created was completed exactly once, by its id');
is( $node->safe_psql('app', q{
		SELECT string_agg(DISTINCT actor, ',') FROM bpm.event
		 WHERE kind IN ('job_completed', 'timer_fired')}),
	'pg_bpm', 'the runners did every job');
is( $node->safe_psql('app', q{
		SELECT count(*) FROM bpm.instance i, bpm.verify_events(i.id) v
		 WHERE v.ok IS NOT TRUE}),
	'0', 'every event chain verifies');
is( $node->safe_psql('app', q{
		SELECT count(*) FROM bpm.instance i, bpm.verify_state(i.id) v
		 WHERE v.ok IS NOT TRUE}),
	'0', 'every instance is what its events say (data, definition, tokens)');

$node->stop;
done_testing();
