# 025_worker_log: what the server log says about pg_bpm.
#
#  1. pg_bpm.* is a reserved prefix: a misspelt server setting in
#     postgresql.conf (pg_bpm.schedular) is reported with a WARNING when the
#     library is preloaded, instead of being kept silently as a placeholder.
#     bpm.actor, which applications set per transaction, is not reserved.
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

$node->stop;
done_testing();
