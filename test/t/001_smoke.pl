# 001_smoke: proves the Perl TAP harness works (test/run tap).
#
# Starts a throwaway node that preloads pg_bpm (installed system-wide by
# test/run), creates the extension and checks its schema.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('smoke');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_bpm'");
$node->start;

is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'),
	'pg_bpm', 'pg_bpm is preloaded');

$node->safe_psql('postgres', 'CREATE EXTENSION pg_bpm');
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_namespace WHERE nspname = 'bpm'"),
	'1',
	'CREATE EXTENSION pg_bpm creates schema bpm');

$node->stop;
done_testing();
