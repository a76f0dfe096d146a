# 025_worker_log: what the server log says about pg_bpm.
#
#  1. pg_bpm.* is a reserved prefix: a misspelt server setting in
#     postgresql.conf (pg_bpm.schedular) is reported with a WARNING when the
#     library is preloaded, instead of being kept silently as a placeholder.
#     bpm.actor, which applications set per transaction, is not reserved.
#  2. A job that fails in a runner is logged, and its log lines name the
#     database, the job and its kind, and its instance (an errcontext); a
#     scheduler's name its database.
#
# No timing assertions: every wait polls with the test framework's timeout.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('worker_log');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_bpm'
pg_bpm.schedular = off
pg_bpm.naptime = '1h'
});
$node->start;

# ---------------------------------------------------------------- 1. reserved prefix
like(
	slurp_file($node->logfile),
	qr/WARNING:  invalid configuration parameter name "pg_bpm\.schedular", removing it\n.*DETAIL:  "pg_bpm" is now a reserved prefix\./,
	'a misspelt pg_bpm setting in postgresql.conf is reported in the log');
my ($rc, $out, $err) = $node->psql('postgres', 'SET pg_bpm.schedular = off');
like($err, qr/invalid configuration parameter name "pg_bpm\.schedular"/,
	'... and refused by SET');
is($node->safe_psql('postgres', q{SET bpm.actor = 'alice'; SHOW bpm.actor}),
	'alice', 'bpm.actor is an ordinary setting');

# ---------------------------------------------------------------- 2. a failing job's context
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', q{
CREATE EXTENSION pg_bpm;
CREATE FUNCTION public.boom(data jsonb) RETURNS jsonb LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'the ledger is closed'; END $$;
SELECT bpm.deploy('{"key": "book",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "post", "type": "service_task", "implementation": "sql",
             "function": "public.boom", "retries": 1},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "post"}, {"from": "post", "to": "end"}]}');
});
my $log_offset = -s $node->logfile;
my $id = $node->safe_psql('app', q{SELECT bpm.start('book', '{}')});
ok( $node->poll_query_until('app',
		"SELECT count(*) = 1 FROM bpm.incidents WHERE instance_id = $id"),
	'the failing service task becomes an incident');
my $job = $node->safe_psql('app', "SELECT job_id FROM bpm.incidents WHERE instance_id = $id");
# The runner logs the failure before it commits the incident: no wait.
my $log = slurp_file($node->logfile, $log_offset);
like(
	$log,
	qr/LOG:  job failed: the ledger is closed\n.*CONTEXT:  PL\/pgSQL function public\.boom\(jsonb\) line 1 at RAISE\n\s+pg_bpm runner in database "app", job $job \(service\) of instance $id\n/,
	'a runner logs the failure, in the context of its database, job and instance');
is(scalar(() = $log =~ /pg_bpm runner in database/g), 1, '... named once');

$log_offset = -s $node->logfile;
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'pg_bpm scheduler'");
ok( $node->wait_for_log(
		qr/FATAL:  terminating background worker "pg_bpm scheduler" due to administrator command\n.*CONTEXT:  pg_bpm scheduler in database "app"\n/,
		$log_offset),
	'the log lines of a scheduler name its database');

$node->stop;
done_testing();
