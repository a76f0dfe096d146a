# 060_docs: the docs say what the catalog and the engine do.
#
# Facts that prose repeats in several places, and that a change of the
# code can leave behind:
#   - the columns of the view bpm.task that PUBLIC may update: the column
#     privileges in the catalog are the list in README (SQL API and
#     security model), docs/concepts.md, docs/sql-reference.md and the
#     view's comment;
#   - the plan item transitions: every item_<transition> event that a tour
#     of the case API records, and every state it leaves an item in, is
#     in the lifecycle of docs/cases.md (its transition table, and the
#     on-parts a task or stage makes).
# Runs from the work tree (test/run), which holds README.md and docs/.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# A doc file as one line, its whitespace runs made single spaces.
sub doc
{
	my ($path) = @_;
	my $text = slurp_file($path);
	$text =~ s/\s+/ /g;
	return $text;
}

# The words in backquotes of a list such as "`a`, `b` and `c`", sorted.
sub names
{
	my ($list) = @_;
	return join(',', sort ($list =~ /`(\w+)`/g));
}

my $node = PostgreSQL::Test::Cluster->new('docs');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_bpm'");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_bpm');

# ---------------------------------------------------------------- bpm.task
my $granted = $node->safe_psql(
	'postgres', q{
	SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_attribute
	 WHERE attrelid = 'bpm.task'::regclass AND attnum > 0
	   AND has_column_privilege('public', 'bpm.task'::regclass, attnum, 'UPDATE')});

my $readme = doc('README.md');
my ($api) = $readme =~ /Plain UPDATEs of the view `bpm.task` get the same checks; `PUBLIC` may update ((?:`\w+`(?:,| and)? ?)+)/;
is(names($api // ''), $granted, 'README, SQL API: the columns PUBLIC may update in bpm.task');
my ($security) = $readme =~ /`UPDATE \(([\w, ]+)\)` on the view `bpm.task`/;
is(join(',', sort split(/, /, $security // '')), $granted,
	'README, security model: the columns PUBLIC may update in bpm.task');
my ($concepts) = doc('docs/concepts.md') =~ /`PUBLIC` may update only the columns ((?:`\w+`(?:,| and)? ?)+)of the view `bpm.task`/;
is(names($concepts // ''), $granted, 'docs/concepts.md: the columns PUBLIC may update in bpm.task');
my ($reference) = doc('docs/sql-reference.md') =~ /`PUBLIC` may update its columns ((?:`\w+`(?:,| and)? ?)+)/;
is(names($reference // ''), $granted, 'docs/sql-reference.md: the columns PUBLIC may update in bpm.task');
my ($comment) = $node->safe_psql('postgres', q{SELECT obj_description('bpm.task'::regclass, 'pg_class')})
  =~ /UPDATE ([\w, ]+?) to work one/;
$comment //= '';
$comment =~ s/ or /, /;
is(join(',', sort split(/, /, $comment)), $granted, 'the comment on bpm.task: the columns PUBLIC may update');

# ---------------------------------------------------------- the plan items
# A tour of the item API: every transition a human task or a stage can
# make by a call (a stage's suspension that of its items too), each item
# left in the state it reached.
$node->safe_psql(
	'postgres', q{
	SET bpm.actor = 'ops';
	SELECT bpm.deploy('{"key": "tour", "kind": "case", "plan": [
	  {"id": "work", "type": "human_task"},
	  {"id": "held", "type": "human_task"},
	  {"id": "aside", "type": "human_task", "manual": true},
	  {"id": "later", "type": "human_task", "manual": true},
	  {"id": "off", "type": "human_task", "manual": true},
	  {"id": "ended", "type": "human_task", "exit": [{"if": "$.stop == true"}]},
	  {"id": "seen", "type": "milestone", "entry": [{"on": ["held.suspend"]}]},
	  {"id": "called", "type": "user_listener"},
	  {"id": "room", "type": "stage", "items": [{"id": "inside", "type": "human_task"}]}]}');
	SELECT bpm.open_case('tour', '{}') AS c \gset
	SELECT bpm.complete_task(id) FROM bpm.task WHERE node_id = 'work';
	SELECT bpm.suspend_item(:c, 'held');
	SELECT bpm.resume_item(:c, 'held');
	SELECT bpm.suspend_item(:c, 'held');
	SELECT bpm.suspend_item(:c, 'room');
	SELECT bpm.resume_item(:c, 'room');
	SELECT bpm.start_item(:c, 'later');
	SELECT bpm.disable_item(:c, 'aside');
	SELECT bpm.disable_item(:c, 'off');
	SELECT bpm.reenable_item(:c, 'off');
	SELECT bpm.update_case(:c, '{"stop": true}');
	SELECT bpm.trigger_listener(:c, 'called');});
my @transitions = split /\n/, $node->safe_psql('postgres',
	q{SELECT DISTINCT substr(kind, 6) FROM bpm.event WHERE kind LIKE 'item\_%' ORDER BY 1});
my @states = split /\n/, $node->safe_psql('postgres',
	q{SELECT DISTINCT state FROM bpm.plan_item WHERE item_id <> '' ORDER BY 1});
cmp_ok(scalar @transitions, '>=', 10, 'the tour makes the transitions of the item API');

my $cases = doc('docs/cases.md');
my ($lifecycle) = $cases =~ /## The plan item lifecycle(.*?) ## /;
my %table = map { $_ => 1 } ($lifecycle // '') =~ /\| `(\w+)` \| [^|]*→/g;
my ($makes) = $cases =~ /Transitions a task or stage makes: (.*?)\. The validator/;
my %on_parts = map { $_ => 1 } ($makes // '') =~ /`(\w+)`/g;
for my $t (@transitions)
{
	ok($table{$t}, "docs/cases.md: transition $t is in the lifecycle table");
	ok($on_parts{$t} || $t eq 'occur',
		"docs/cases.md: transition $t is an on-part a task or stage makes");
}
for my $s (@states)
{
	like($lifecycle // '', qr/→ `$s`/, "docs/cases.md: state $s is one a transition leads to");
}

$node->stop;
done_testing();
