# 010_restart_and_dump: the model lives in tables, so it survives what the
# server and its tools do to tables.
#
# 1. A running process survives a clean restart and an immediate (crash)
#    stop: its open task is still there and completing it moves the
#    process on.
# 2. pg_dump of a database with pg_bpm, restored into a new database, keeps
#    definitions, instances, tasks and the event log (the tables are
#    registered with pg_extension_config_dump): the restored instance can
#    be continued and its event chain still verifies. The right to act for
#    others (EXECUTE on bpm.act_as) is restored with its grants: an
#    application's role keeps it, PUBLIC still lacks it.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('restart_dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_bpm'");
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION pg_bpm;
SELECT bpm.deploy('{"key": "two_steps",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "first", "type": "user_task"},
            {"id": "second", "type": "user_task"},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "first"}, {"from": "first", "to": "second"},
            {"from": "second", "to": "end"}]}');
SELECT bpm.start('two_steps', '{"n": 1}', 'before-restart');
SELECT bpm.start('two_steps', '{"n": 2}', 'before-crash');
SELECT bpm.start('two_steps', '{"n": 3}', 'dumped');
CREATE ROLE web;
CREATE ROLE nobody;
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO web;
});

sub open_task
{
	my ($db, $bk) = @_;
	return $node->safe_psql($db,
		"SELECT t.node_id FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id "
		  . "WHERE i.business_key = '$bk' AND t.status = 'open'");
}

sub complete_open
{
	my ($db, $bk) = @_;
	$node->safe_psql($db,
		"SELECT bpm.complete_task(t.id) FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id "
		  . "WHERE i.business_key = '$bk' AND t.status = 'open'");
}

$node->restart;
is(open_task('postgres', 'before-restart'), 'first', 'open task survives a clean restart');
complete_open('postgres', 'before-restart');
is(open_task('postgres', 'before-restart'), 'second', 'the process moves on after a restart');

$node->stop('immediate');
$node->start;
is(open_task('postgres', 'before-crash'), 'first', 'open task survives an immediate stop');
complete_open('postgres', 'before-crash');
complete_open('postgres', 'before-crash');
is( $node->safe_psql('postgres',
		"SELECT state FROM bpm.instance WHERE business_key = 'before-crash'"),
	'completed',
	'the process completes after crash recovery');

# dump and restore into a fresh database
my $dump = $node->basedir . '/bpm.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ],
	'pg_dump of a database with pg_bpm');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ],
	'pg_restore into a new database');

is( $node->safe_psql('restored',
		'SELECT count(*) FROM bpm.definition') . '/'
	  . $node->safe_psql('restored', 'SELECT count(*) FROM bpm.instance') . '/'
	  . $node->safe_psql('restored', 'SELECT count(*) FROM bpm.event'),
	$node->safe_psql('postgres', 'SELECT count(*) FROM bpm.definition') . '/'
	  . $node->safe_psql('postgres', 'SELECT count(*) FROM bpm.instance') . '/'
	  . $node->safe_psql('postgres', 'SELECT count(*) FROM bpm.event'),
	'definitions, instances and events are restored');
is( $node->safe_psql('restored',
		'SELECT bool_and(ok) FROM bpm.instance i, bpm.verify_events(i.id)'),
	't', 'every restored event chain verifies');
is( $node->safe_psql('restored',
		'SELECT bool_and(ok) FROM bpm.instance i, bpm.verify_state(i.id)'),
	't', 'every restored instance is what its events say (data, definition, tokens)');

complete_open('restored', 'dumped');
is(open_task('restored', 'dumped'), 'second', 'a restored instance can be continued');
is( $node->safe_psql('restored',
		"SELECT ok FROM bpm.instance i, bpm.verify_events(i.id) WHERE i.business_key = 'dumped'"),
	't', 'its chain still verifies after new events');
is( $node->safe_psql('restored',
		"SELECT count(*) FROM bpm.task WHERE id = (SELECT max(id) FROM bpm.task) "
		  . "AND id > (SELECT max(id) FROM bpm.task t2 WHERE t2.status <> 'open')"),
	'1', 'identity sequences continue after the restore (no id reuse)');
is( $node->safe_psql('restored',
		"SELECT has_function_privilege('web', 'bpm.act_as(text)', 'EXECUTE') || '/' "
		  . "|| has_function_privilege('nobody', 'bpm.act_as(text)', 'EXECUTE')"),
	'true/false',
	'the right to act for others is restored: web holds it, PUBLIC does not');

$node->stop;
done_testing();
