#!/usr/bin/env perl
#
# test/fuzz/fuzz.pl — a deterministic SQL-level fuzzer of pg_bpm's parsers.
#
#   perl test/fuzz/fuzz.pl --db DB [--seed N] [--seconds S | --inputs N]
#                          [--targets t1,t2] [--findings DIR] [--log SERVERLOG]
#   perl test/fuzz/fuzz.pl --seed N --show I     print input I of seed N
#
# Each input is a definition generated for one target (below), sent as
# SELECT fuzz.try(definition, data, output) (test/fuzz/setup.sql, which must
# be loaded in DB): deploy, start or open, a few rounds of completing tasks
# and jobs and running due jobs with the clock moved on, all rolled back.
# SQL errors are outcomes; a lost connection (a backend that crashed) and an
# internal error (SQLSTATE XX000) are findings: the input is written to the
# findings directory and printed with the command that reproduces it, and
# the run exits 1. Input I of seed N is the same on every machine (Perl's
# own drand48), so a finding turns into a regression test.
#
# Targets (each a kind of input and the parser it reaches through SQL):
#   definition  seeds from sql/, test/pgtap/ and examples/, mutated:
#               dropped, duplicated, retyped, renamed elements, clashing ids,
#               wrong types, huge numbers, long strings, deep JSON, nodes
#               wrapped in sub-processes, tasks grown into chains (compiler)
#   nesting     generated sub-processes: wide scopes, deep nesting, boundary
#               events on the nested scopes (compiler and engine)
#   condition   jsonpath "when" of gateway flows and data to match (expr)
#   duration    "due", timer "duration", data-driven "$.d" (time/)
#   date        timer "date", data-driven (time/)
#   cycle       boundary and start timer "cycle" (time/recurrence)
#   cron        start timer "cron" (time/cron)
#   timezone    start timer "timezone"
#   assignee    assignee and candidate_groups values and paths
#   case        case definitions from the seeds, mutated: stages, sentries
#               ("on", "if"), nesting, timer listeners, process/case tasks
#
# Environment: PGHOST, PGPORT, PGUSER as for psql; PSQL (default: psql in
# PATH).
use strict;
use warnings;
no warnings "recursion";
use Getopt::Long;
use JSON::PP;
use File::Basename qw(dirname);
use File::Path qw(make_path);
use IPC::Open3;
use Symbol qw(gensym);
use Time::HiRes qw(time);

my $ROOT = dirname(dirname(dirname(__FILE__)));
my %opt = (seed => 1, seconds => 0, inputs => 0, batch => 100, db => 'pg_bpm_fuzz',
           psql => $ENV{PSQL} || 'psql', findings => '', log => '', targets => '',
           timeout => '20s');
GetOptions(\%opt, 'seed=i', 'seconds=f', 'inputs=i', 'batch=i', 'db=s', 'psql=s',
           'findings=s', 'log=s', 'targets=s', 'show=i', 'timeout=s', 'verbose')
    or die "usage: see the head of $0\n";
$opt{seconds} = 60 if !$opt{seconds} && !$opt{inputs} && !defined $opt{show};

my @TARGETS = qw(definition nesting condition duration date cycle cron timezone assignee case);
my %WEIGHT = (definition => 6, nesting => 2, condition => 2, duration => 2, date => 1,
              cycle => 1, cron => 1, timezone => 1, assignee => 1, case => 4);
my @targets = $opt{targets} ? split(/,/, $opt{targets}) : @TARGETS;
for my $t (@targets) { die "unknown target $t (targets: @TARGETS)\n" unless $WEIGHT{$t} }

my $json = JSON::PP->new->utf8->canonical->allow_nonref->max_depth(1_000_000);

# ------------------------------------------------------------ dictionaries
# Valid and invalid texts for each parser: the mutators start from these.

my @DURATIONS = ('PT5M', 'P14D', 'P1DT12H', 'P1Y2M3DT4H5M6S', 'PT0.5S', 'P1W', 'PT0S', 'P0D',
    'P1', 'PT1', 'P1DT', 'PT1H1H', 'P1Y1Y', 'P1000000Y', 'P', 'PT', '-PT5M', 'PT-5M',
    'P1.5D', 'PT1.5H', 'PT0.000001S', 'P99999999999999999999D', 'PT9223372036854775807S',
    'P2147483647M', 'PT2562047788H', 'P1M', 'pt5m', 'PT5M ', ' PT5M', 'PT5m', 'P1D1D',
    'PT1M1H', 'P1DT1H1M1.123456789S', 'P1E3D', 'P0x10D', 'P1_0D', '5 minutes', '$.d');
my @DATES = ('2030-01-01T09:00:00Z', '2030-01-01 10:00:00+01', '2030-01-01', '2030-01-01T09:00:00',
    '0001-01-01T00:00:00Z', '294276-12-31T23:59:59Z', '294277-01-01T00:00:00Z',
    '4714-11-24T00:00:00Z BC', '4713-01-01T00:00:00Z BC', 'infinity', '-infinity', 'epoch',
    'now', 'today', 'tomorrow', 'allballs', '2030-02-30T00:00:00Z', '2030-01-01T25:00:00Z',
    '2030-01-01T09:00:00+99', '2030-01-01T09:00:00+14:59', '2030-01-01T09:00:00-15:00',
    '1970-01-01T00:00:00.000001Z', '20300101T090000Z', '2030-W01-1T09:00:00Z',
    '2030-01-01T09:00:00 Europe/Berlin', '2030-01-01T09:00:00 UTC+5', 'J2451545', '$.d');
my @CYCLES = ('R3/PT1H', 'R/PT1M', 'R0/PT1H', 'R1/PT0S', 'R/PT0.000001S',
    'R/1000-01-01T00:00:00Z/PT0.000001S', 'R5/2030-01-01T00:00:00Z/P1D',
    'R2/P1D/2030-01-01T00:00:00Z', 'R-1/PT1H', 'R99999999999/PT1S', 'R2147483648/PT1S',
    'R/PT1H/', 'R3/', 'R', 'R3//PT1H', 'R3/2030-01-01T00:00:00Z/2030-02-01T00:00:00Z',
    'R3/2000-01-01T00:00:00Z/PT1H', 'R/2000-01-01T00:00:00Z/PT1H', 'R3/P1000000Y',
    'R3/infinity/PT1H', 'R3/PT1H/PT1H', 'r3/pt1h', 'R3/PT1H ', 'R1.5/PT1H', 'R 3/PT1H');
my @CRONS = ('0 9 * * MON-FRI', '* * * * *', '*/5 * * * *', '1/5 * * * *', '0 0 31 2 *',
    '0 0 29 2 *', '0 0 30 2 *', '60 * * * *', '0 24 * * *', '0 0 0 * *', '0 0 * 13 *',
    '0 0 * * 8', '0 0 * * 7', 'a b c d e', '0-59/0 * * * *', '5-1 * * * *', '0 9 * * SUN-SAT',
    '@daily', '0 9 * *', '0 9 * * * *', '0,,1 * * * *', '-1 * * * *', '99999999999 * * * *',
    '0 9 1-31/2 * *', '0 0 31 4,6,9,11 *', '*/99999999999 * * * *', '0 9 * JAN-DEC MON',
    '0 9 L * *', '0 9 ? * *', '0 9 * * 1#2', '  0 9 * * *', "0\t9 * * *", '0 9 * * FRI-MON',
    '0-0 0-0 1-1 1-1 0-0', '*/1,*/2,*/3 * * * *');
my @ZONES = ('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham',
    'Australia/Lord_Howe', 'UTC+5', 'EST5EDT', '+05:00', 'Mars/Olympus', 'posixrules',
    'Etc/GMT-14', 'Etc/GMT+12', '../../../../etc/passwd', "Europe/Berlin\n", 'x' x 300,
    'Local', 'localtime', 'Factory', 'LMT', 'GMT0', 'EST5EDT,M3.2.0,M11.1.0',
    '<+0330>-3:30', 'Europe/Berlin/../Paris', 'europe/berlin');
my @PATHS = ('$.amount > 100', '$.a == $x', '$.x like_regex "(a+)+$"', '$.** ? (@ == 1)',
    'exists($.a)', '$.a[*] ? (@ > 1)', '$.a.type() == "number"', '$.d.datetime() > "2020-01-01".datetime()',
    '$.amount.double() > 1e308', '!($.a == 1)', '$.a == 1 && $.b == 2', '$.a ? (@ starts with "x")',
    '$', '$.', '', 'true', '1 + 1', '$.a.keyvalue()', 'last', '$[last]', '@ > 1', '$.a.size() > 0',
    '$ ? (@.a == $.b)', 'lax $.a == 1', 'strict $.a.b == 1', '$.amount.ceiling() == 1e400',
    '$."quoted field" == 1', '$.amount / 0 == 1', '$.a[1000000000] == 1', '$.a[1 to 999999999] == 1',
    '$.d.datetime("HH24:MI") == 1', '$.d.datetime("YYYYYYYYYYYYYYYYYYYY") == 1',
    '$.who == "alice"', '$.n >= 1', '$.ok == true', '$.approved');
my @ASSIGNEES = ('alice', 'bob', '$.who', '$.a == $x', '$.who ? (@ == "x")', '$[*]', '$.**',
    '$.groups', '$', '$.missing', '$."who"', '$.who.type()', 'x' x 100);
my @GROUPS = (['clerks'], ['a', 'b'], [], [['a']], [1, 2], 'clerks', '$.groups', '$.who',
    ['$.groups'], [undef], ['']);
my @NODE_TYPES = qw(start_event end_event terminate_end_event intermediate_event user_task
    service_task script_task exclusive_gateway parallel_gateway inclusive_gateway subprocess
    boundary_event escalate_to_case);
my @ITEM_TYPES = qw(human_task stage milestone timer_listener user_listener process_task case_task);
my @FUNCTIONS = qw(fuzz.pass fuzz.grow fuzz.fail fuzz.bpmn_error fuzz.scalar);
my @INTERESTING = (0, -1, 1, 2147483647, 2147483648, -2147483649, 9223372036854775807,
    '9223372036854775808', 1e308, -1e308, 0.5, JSON::PP::true, JSON::PP::false, undef, '',
    ' ', '$', 'x' x 10000, "\x{1F600}", "\x{202E}x", "a\nb", '{}', '[]', 'null', [], {},
    [[[[[[[[[[[]]]]]]]]]]], {a => {a => {a => {}}}});
my @OUTPUTS = ({}, {approved => JSON::PP::true}, {approved => JSON::PP::false},
    {amount => 1e308}, {a => [1, 2, 3]}, {who => 'alice'}, {x => 'y' x 1000},
    {n => '9223372036854775808'}, {'' => 1}, {error => {code => 'E1'}});

# ------------------------------------------------------------ random

sub rint { int(rand($_[0])) }
sub pick { $_[rint(scalar @_)] }
sub chance { rand() < $_[0] }
sub clone { my $v = shift; defined $v ? $json->decode($json->encode($v)) : undef }

# A string mutated a few times: characters inserted, deleted, doubled,
# digits made huge, the text repeated or cut.
sub mutate_string {
    my ($s) = @_;
    my $n = rint(3);
    for (1 .. $n) {
        my $len = length $s;
        my $pos = rint($len + 1);
        my $op = rint(8);
        if ($op == 0) { substr($s, $pos, 0) = pick(split //, '0123456789PTYMWDHSR/:-+.,*?@$ ZLx"\\(') }
        elsif ($op == 1 && $len) { substr($s, $pos < $len ? $pos : $len - 1, 1) = '' }
        elsif ($op == 2 && $len) { my $l = 1 + rint($len - $pos + 1); substr($s, $pos, 0) = substr($s, $pos, $l) }
        elsif ($op == 3) { $s =~ s/(\d+)/pick('0', '99999999999999999999', '2147483648', '-1', $1 x 3)/e }
        elsif ($op == 4) { $s = $s x (2 + rint(50)) }
        elsif ($op == 5) { $s = substr($s, 0, $pos) }
        elsif ($op == 6) { substr($s, $pos, 0) = pick("\x{00e9}", "\x{FEFF}", "\t", "\n", "\x{7f}") }
        else { $s = uc $s if chance(0.5) }
    }
    return $s;
}

sub from_dict { my @d = @_; my $s = pick(@d); chance(0.5) ? mutate_string($s) : $s }

# ------------------------------------------------------------ seeds

my @SEEDS;
my @CASE_SEEDS;

sub rewrite_functions {
    my ($v) = @_;
    if (ref $v eq 'HASH') {
        for my $k (sort keys %$v) {
            if ($k eq 'function' && !ref $v->{$k}) { $v->{$k} = pick(@FUNCTIONS) }
            else { rewrite_functions($v->{$k}) }
        }
    } elsif (ref $v eq 'ARRAY') { rewrite_functions($_) for @$v }
}

sub load_seeds {
    my @files = (glob("$ROOT/sql/*.sql"), glob("$ROOT/test/pgtap/*.sql"), glob("$ROOT/examples/*.sql"));
    my %seen;
    srand(0);
    for my $f (@files) {
        open my $h, '<', $f or next;
        local $/;
        my $text = <$h>;
        while ($text =~ /bpm\.deploy\(\s*'((?:[^']|'')*)'/g) {
            (my $src = $1) =~ s/''/'/g;
            my $def = eval { $json->decode($src) };
            next unless ref $def eq 'HASH' && defined $def->{key} && !$seen{$src}++;
            rewrite_functions($def);
            push @{ ($def->{kind} // '') eq 'case' ? \@CASE_SEEDS : \@SEEDS }, $def;
        }
    }
    push @SEEDS, nested_process(2, 3, 1) unless @SEEDS;
    push @CASE_SEEDS, {key => 'c', kind => 'case', plan => [{id => 'h', type => 'human_task'}]}
        unless @CASE_SEEDS;
}

# ------------------------------------------------------------ builders

# A chain start -> items... -> end as one scope.
sub chain_scope {
    my ($prefix, @inner) = @_;
    my @nodes = ({id => "${prefix}s", type => 'start_event'}, @inner, {id => "${prefix}e", type => 'end_event'});
    my @flows;
    push @flows, {from => $nodes[$_ - 1]{id}, to => $nodes[$_]{id}} for 1 .. $#nodes;
    return (nodes => \@nodes, flows => \@flows);
}

# depth sub-processes nested in one another, each with width user tasks,
# some with boundary events.
sub nested_process {
    my ($depth, $width, $boundaries) = @_;
    my $build;
    $build = sub {
        my ($level) = @_;
        my @inner = map { {id => "t${level}_$_", type => 'user_task'} } 1 .. $width;
        if ($level < $depth) {
            my %scope = $build->($level + 1);
            push @inner, {id => "sp$level", type => 'subprocess', %scope};
        }
        return chain_scope("l${level}_", @inner);
    };
    my %top = $build->(0);
    my $def = {key => 'f', %top};
    if ($boundaries) {
        for my $scope (scopes($def)) {
            my @acts = grep { $_->{type} =~ /user_task|subprocess/ } @{ $scope->{nodes} };
            next unless @acts && chance(0.5);
            add_boundary($scope, pick(@acts)->{id});
        }
    }
    return $def;
}

sub add_boundary {
    my ($scope, $attached) = @_;
    my $id = "b" . rint(1e6);
    my $b = {id => $id, type => 'boundary_event', attached_to => $attached};
    my $k = rint(4);
    if ($k == 0) { $b->{timer} = {duration => from_dict(@DURATIONS)} }
    elsif ($k == 1) { $b->{timer} = {cycle => from_dict(@CYCLES)}; $b->{interrupting} = JSON::PP::false }
    elsif ($k == 2) { $b->{error} = pick(JSON::PP::true, 'E1', '', 'fuzz failure') }
    else { $b->{escalation} = JSON::PP::true }
    my $end = "${id}_end";
    push @{ $scope->{nodes} }, $b, {id => $end, type => pick('end_event', 'terminate_end_event')};
    push @{ $scope->{flows} }, {from => $id, to => $end};
}

# Every scope of a definition: objects with a "nodes" (process) or an
# "items"/"plan" (case) array, in the order of slots.
sub scopes {
    my ($def) = @_;
    my %seen;
    return grep {
        ref $_ eq 'HASH' && !$seen{$_}++ &&
            (ref $_->{nodes} eq 'ARRAY' || ref $_->{items} eq 'ARRAY' || ref $_->{plan} eq 'ARRAY')
    } $def, map { $_->[0] } slots($def);
}

# Every container and key in the tree: [container, key or index], breadth
# first, keys sorted (Perl's hash order differs from run to run).
sub slots {
    my ($v) = @_;
    my @found;
    my @todo = ($v);
    while (@todo) {
        my $x = shift @todo;
        if (ref $x eq 'HASH') {
            for my $k (sort keys %$x) { push @found, [$x, $k]; push @todo, $x->{$k} }
        } elsif (ref $x eq 'ARRAY') {
            for my $i (0 .. $#$x) { push @found, [$x, $i]; push @todo, $x->[$i] }
        }
    }
    return @found;
}

sub ids_of {
    my ($def) = @_;
    my @ids;
    for my $s (slots($def)) {
        my ($c, $k) = @$s;
        push @ids, $c->{$k} if ref $c eq 'HASH' && $k eq 'id' && defined $c->{$k} && !ref $c->{$k};
    }
    return @ids ? @ids : ('x');
}

sub get { my ($c, $k) = @_; ref $c eq 'HASH' ? $c->{$k} : $c->[$k] }
sub set { my ($c, $k, $v) = @_; if (ref $c eq 'HASH') { $c->{$k} = $v } else { $c->[$k] = $v } }

# ------------------------------------------------------------ mutations

# Replace node n of a scope by a sub-process of the same id around it.
sub wrap_in_subprocess {
    my ($scope) = @_;
    my $nodes = $scope->{nodes};
    my @i = grep { ref $nodes->[$_] eq 'HASH' && ($nodes->[$_]{type} // '') !~ /start_event|end_event|boundary/ } 0 .. $#$nodes;
    return unless @i;
    my $i = pick(@i);
    my $inner = clone($nodes->[$i]);
    my $id = $inner->{id} // 'w';
    $inner->{id} = (ref $id ? 'w' : $id) . '_in' . rint(1000);
    $nodes->[$i] = {id => $id, type => 'subprocess', chain_scope("${id}_", $inner)};
}

# Grow user task t into a chain t, t_1 .. t_k (flows leaving t leave t_k).
sub grow_chain {
    my ($scope) = @_;
    my $nodes = $scope->{nodes};
    my @t = grep { ref $_ eq 'HASH' && ($_->{type} // '') eq 'user_task' && defined $_->{id} && !ref $_->{id} } @$nodes;
    return unless @t && ref $scope->{flows} eq 'ARRAY';
    my $t = pick(@t)->{id};
    my $k = 1 + rint(pick(5, 20, 60));
    for my $f (@{ $scope->{flows} }) { $f->{from} = "${t}_$k" if ref $f eq 'HASH' && ($f->{from} // '') eq $t }
    my $prev = $t;
    for my $j (1 .. $k) {
        push @$nodes, {id => "${t}_$j", type => pick('user_task', 'user_task', 'script_task', 'service_task'),
                       function => pick(@FUNCTIONS), implementation => 'sql'};
        delete $nodes->[-1]{function} if $nodes->[-1]{type} eq 'user_task';
        delete $nodes->[-1]{implementation} unless $nodes->[-1]{type} eq 'service_task';
        push @{ $scope->{flows} }, {from => $prev, to => "${t}_$j"};
        $prev = "${t}_$j";
    }
}

# Set a property a parser reads on a random element.
sub set_parsed_property {
    my ($def) = @_;
    my @objs = grep { ref $_->[0] eq 'HASH' && $_->[1] eq 'id' } slots($def);
    return unless @objs;
    my $o = pick(@objs)->[0];
    my $k = rint(9);
    if ($k == 0) { $o->{due} = from_dict(@DURATIONS) }
    elsif ($k == 1) { $o->{timer} = {pick('duration', 'date', 'cycle') => from_dict(@DURATIONS, @DATES, @CYCLES)} }
    elsif ($k == 2) { $o->{timer} = {cron => from_dict(@CRONS), timezone => from_dict(@ZONES)} }
    elsif ($k == 3) { $o->{assignee} = from_dict(@ASSIGNEES) }
    elsif ($k == 4) { $o->{candidate_groups} = clone(pick(@GROUPS)) }
    elsif ($k == 5) { $o->{pick('priority', 'retries')} = pick(@INTERESTING) }
    elsif ($k == 6) { $o->{entry} = [{on => [pick(ids_of($def)) . '.' . pick('complete', 'start', 'occur', 'x')], if => from_dict(@PATHS)}] }
    elsif ($k == 7) { $o->{escalation} = {after => from_dict(@DURATIONS), assignee => from_dict(@ASSIGNEES)} }
    else { $o->{function} = pick(@FUNCTIONS, 'pg_catalog.now', 'fuzz.nope', 'a.b.c', '"x', '') }
    for my $f (grep { ref $_->[0] eq 'HASH' && $_->[1] eq 'from' } slots($def)) {
        $f->[0]{when} = from_dict(@PATHS) if chance(0.1);
    }
}

# n mutations; shape-only ones (sub-processes, chains, boundary events,
# parsed properties) mostly keep a definition deployable.
sub mutate_definition {
    my ($def, $n, $shape_only) = @_;
    for (1 .. $n) {
        my @slots = slots($def);
        my $op = $shape_only ? pick(6, 7, 9, 10) : rint(14);
        my ($c, $k) = @{ pick(@slots) // [$def, 'key'] };
        my @sc = grep { ref $_->{nodes} eq 'ARRAY' } scopes($def);
        if ($op == 0) { if (ref $c eq 'HASH') { delete $c->{$k} } else { splice @$c, $k, 1 } }
        elsif ($op == 1 && ref $c eq 'ARRAY') { splice @$c, $k, 0, clone($c->[$k]) }
        elsif ($op == 2) { set($c, $k, clone(pick(@INTERESTING))) }
        elsif ($op == 3) { set($c, $k, pick(@NODE_TYPES, @ITEM_TYPES)) if $k eq 'type' || chance(0.2) }
        elsif ($op == 4) { set($c, $k, pick(ids_of($def))) }
        elsif ($op == 5 && ref get($c, $k) eq 'ARRAY' && @{ get($c, $k) } > 1) {
            my $a = get($c, $k); my ($i, $j) = (rint(scalar @$a), rint(scalar @$a)); @$a[$i, $j] = @$a[$j, $i];
        }
        elsif ($op == 6 && @sc) { wrap_in_subprocess(pick(@sc)) for 1 .. 1 + rint(pick(1, 3, 8)) }
        elsif ($op == 7 && @sc) { grow_chain(pick(@sc)) }
        elsif ($op == 8 && @sc) {
            my $s = pick(@sc); my @ids = map { ref $_ eq 'HASH' ? $_->{id} // 'x' : 'x' } @{ $s->{nodes} };
            push @{ $s->{flows} }, {from => pick(@ids), to => pick(@ids)} if ref $s->{flows} eq 'ARRAY' || !exists $s->{flows};
        }
        elsif ($op == 9 && @sc) {
            my $s = pick(@sc); my @ids = map { ref $_ eq 'HASH' ? $_->{id} // 'x' : 'x' } @{ $s->{nodes} };
            add_boundary($s, pick(@ids)) if ref $s->{flows} eq 'ARRAY';
        }
        elsif ($op == 10) { set_parsed_property($def) }
        elsif ($op == 11) { my $v = 'x'; $v = [$v] for 1 .. pick(10, 100, 3000); set($c, $k, $v) }
        elsif ($op == 12 && ref $c eq 'HASH') { $c->{pick('documentation', 'name', 'nodes', 'flows', 'items', 'async', 'wait', 'kind')} = clone(pick(@INTERESTING)) }
        elsif ($op == 13 && ref $c eq 'HASH' && defined $c->{type}) {
            $c->{pick('process', 'case')} = pick($def->{key} // 'f', 'f', 'nope');
        }
    }
    return $def;
}

# ------------------------------------------------------------ targets

sub random_data {
    my ($d) = @_;
    my %data = (amount => pick(0, 50, 150, 1e308, -1, '100'), who => pick(@ASSIGNEES),
                groups => clone(pick(@GROUPS)), a => pick([1, 2], 1, 'x', {}), n => rint(3));
    $data{d} = $d if defined $d;
    $data{d} //= from_dict(@DURATIONS, @DATES) if chance(0.5);
    return \%data;
}

sub gateway_process {
    my @paths = map { from_dict(@PATHS) } 1 .. 1 + rint(3);
    my $kind = pick('exclusive_gateway', 'inclusive_gateway');
    my @nodes = ({id => 's', type => 'start_event'}, {id => 'g', type => $kind},
                 {id => 'j', type => $kind eq 'inclusive_gateway' ? 'inclusive_gateway' : 'exclusive_gateway'},
                 {id => 'e', type => 'end_event'});
    my @flows = ({from => 's', to => 'g'}, {from => 'j', to => 'e'});
    for my $i (0 .. $#paths) {
        push @nodes, {id => "t$i", type => 'user_task'};
        push @flows, {from => 'g', to => "t$i", when => $paths[$i]}, {from => "t$i", to => 'j'};
    }
    push @nodes, {id => 'other', type => 'script_task', function => 'fuzz.grow'};
    push @flows, {from => 'g', to => 'other', default => JSON::PP::true}, {from => 'other', to => 'j'};
    return {key => 'g', nodes => \@nodes, flows => \@flows};
}

sub timer_process {
    my ($what) = @_;
    my $v = $what eq 'duration' ? from_dict(@DURATIONS) : $what eq 'date' ? from_dict(@DATES) : from_dict(@CYCLES);
    my $v2 = $what eq 'date' ? from_dict(@DATES) : from_dict(@DURATIONS);
    my @inner = ({id => 'wait', type => 'intermediate_event', timer => {($what eq 'cycle' ? 'duration' : $what) => $what eq 'cycle' ? $v2 : $v}},
                 {id => 'task', type => 'user_task', ($what eq 'duration' ? (due => $v) : ())});
    my %top = chain_scope('', @inner);
    my $def = {key => 't', %top};
    my $b = {id => 'b', type => 'boundary_event', attached_to => 'task',
             timer => {$what eq 'cycle' ? 'cycle' : $what => $v}, interrupting => JSON::PP::false};
    push @{ $def->{nodes} }, $b, {id => 'be', type => 'end_event'};
    push @{ $def->{flows} }, {from => 'b', to => 'be'};
    $def->{due} = $v if $what eq 'duration' && chance(0.3);
    $def->{nodes}[0]{timer} = {cycle => $v} if $what eq 'cycle' && chance(0.3);
    return ($def, random_data(chance(0.5) ? (pick(@DURATIONS, @DATES, @CYCLES)) : undef));
}

sub cron_process {
    my ($zone_only) = @_;
    my $timer = {cron => $zone_only ? pick('0 9 * * *', '*/5 * * * *', '0 2 * * SUN') : from_dict(@CRONS)};
    $timer->{timezone} = from_dict(@ZONES) if $zone_only || chance(0.7);
    my %top = chain_scope('', {id => 'task', type => 'user_task'});
    $top{nodes}[0]{timer} = $timer;
    return {key => 'cron', %top};
}

sub assignee_process {
    my %top = chain_scope('', map {
        {id => "t$_", type => 'user_task', assignee => from_dict(@ASSIGNEES),
         (chance(0.7) ? (candidate_groups => clone(pick(@GROUPS))) : ()),
         (chance(0.3) ? (four_eyes => [pick("t1", "t2", "x")]) : ())}
    } 1 .. 2);
    return {key => 'a', %top};
}

sub generate {
    my ($target) = @_;
    my ($def, $data);
    if ($target eq 'definition') {
        $def = mutate_definition(clone(pick(@SEEDS)), 1 + rint(4), chance(0.5));
    } elsif ($target eq 'nesting') {
        my $deep = chance(0.1);
        $def = nested_process($deep ? 20 + rint(200) : 1 + rint(8), $deep ? 1 : rint(pick(3, 20, 40)), chance(0.5));
        $def = mutate_definition($def, rint(2)) if chance(0.3);
    } elsif ($target eq 'condition') {
        $def = gateway_process();
        $def = mutate_definition($def, 1) if chance(0.2);
    } elsif ($target eq 'duration' || $target eq 'date' || $target eq 'cycle') {
        ($def, $data) = timer_process($target);
    } elsif ($target eq 'cron' || $target eq 'timezone') {
        $def = cron_process($target eq 'timezone');
    } elsif ($target eq 'assignee') {
        $def = assignee_process();
    } else {
        $def = mutate_definition(clone(pick(@CASE_SEEDS)), rint(4));
        set_parsed_property($def) if chance(0.3);
    }
    return ($def, $data // random_data(), clone(pick(@OUTPUTS)));
}

# Input i of the run: the same for a seed on every machine.
sub input {
    my ($i) = @_;
    srand($opt{seed} * 1_000_003 + $i);
    my $total = 0;
    $total += $WEIGHT{$_} for @targets;
    my $r = rand($total);
    my $target = $targets[-1];
    for my $t (@targets) { if (($r -= $WEIGHT{$t}) < 0) { $target = $t; last } }
    my @parts = generate($target);
    return ($target, map { $json->encode($_) } @parts);
}

sub sql_literal { my $s = shift; $s =~ s/'/''/g; "'$s'" }

# ------------------------------------------------------------ running

my (%by_target, %outcome, %example, %states, @findings);
my $ran = 0;

sub finding {
    my ($kind, $i, $target, $def, $data, $out, $detail) = @_;
    push @findings, "$kind: input $i ($target)";
    my $show = length $def > 2000 ? substr($def, 0, 2000) . '...' : $def;
    print "FINDING $kind at input $i (target $target) of seed $opt{seed}" . ($detail ? ": $detail" : '') . "\n";
    print "  definition: $show\n  data: $data\n  output: $out\n";
    print "  reproduce: perl test/fuzz/fuzz.pl --seed $opt{seed} --show $i\n";
    if ($opt{findings}) {
        make_path($opt{findings});
        my $f = "$opt{findings}/seed$opt{seed}-input$i.sql";
        open my $h, '>', $f or die "$f: $!";
        print $h "-- $kind, fuzz target $target, seed $opt{seed}, input $i\n";
        print $h "SELECT fuzz.try(" . join(', ', map { sql_literal($_) . '::jsonb' } $def, $data, $out) . ");\n";
        close $h;
        print "  written to $f\n";
    }
}

sub server_up {
    for (1 .. 120) {
        my $ok = system("$opt{psql} -X -q -d $opt{db} -c 'SELECT 1' >/dev/null 2>&1") == 0;
        return 1 if $ok;
        sleep 1;
    }
    die "fuzz: the server did not come back after a crash\n";
}

sub crash_count {
    return 0 unless $opt{log} && open my $h, '<', $opt{log};
    my $n = 0;
    while (<$h>) { $n++ if /terminated by signal|was terminated by exception/ }
    return $n;
}

# Run inputs from .. to-1 in one psql session; returns the next input to run.
sub run_batch {
    my ($from, $to) = @_;
    my %inputs;
    my $sql = "\\set VERBOSITY terse\nSET statement_timeout = '$opt{timeout}';\n";
    for my $i ($from .. $to - 1) {
        my @in = input($i);
        $inputs{$i} = \@in;
        $sql .= "\\echo \@$i\nSELECT $i, fuzz.try(" .
            join(', ', map { sql_literal($_) . '::jsonb' } @in[1 .. 3]) . ");\n";
    }
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, $opt{psql}, '-X', '-q', '-At', '-d', $opt{db},
                    '-v', 'ON_ERROR_STOP=0', '-f', '-');
    # Feed psql from a child, so that a large batch cannot fill both pipes.
    my $writer = fork // die "fork: $!";
    if (!$writer) { close $out; binmode $in; print $in $sql; close $in; exit 0 }
    close $in;
    my ($current, %done);
    my @errs;
    while (my $line = <$out>) {
        chomp $line;
        if ($line =~ /^\@(\d+)$/) { $current = $1; next }
        if ($line =~ /^(\d+)\|(.*)$/) {
            my ($i, $res) = ($1, $2);
            $done{$i} = 1;
            my $target = $inputs{$i}[0];
            $by_target{$target}++;
            $ran++;
            my ($reached, $codes) = split / /, $res, 2;
            $states{$reached}++;
            for my $c (split /\x1f/, $codes // '') {
                my ($code, $message) = split /:/, $c, 2;
                if ($code eq 'XX000') { finding('internal error', $i, @{ $inputs{$i} }, $message) }
                elsif ($code eq 'chain') { finding('event chain broken', $i, @{ $inputs{$i} }) }
                else { $outcome{$code}++; $example{$code} //= "$message (input $i)" }
            }
        }
    }
    @errs = <$err>;
    waitpid($writer, 0);
    waitpid($pid, 0);
    my $rc = $? >> 8;
    my $lost = grep { /server closed the connection|connection to server was lost|no connection to the server|terminated abnormally/ } @errs;
    if ($lost || $rc == 2) {
        # The input that was running when the connection went.
        my $i = defined $current ? $current : $from;
        $ran++;
        $by_target{ $inputs{$i}[0] }++;
        finding('crash', $i, @{ $inputs{$i} }, join('', grep { /connection|terminated|FATAL/ } @errs) =~ s/\s+/ /gr);
        server_up();
        return $i + 1;
    }
    for my $i ($from .. $to - 1) {
        next if $done{$i};
        # An error that plpgsql cannot catch (statement timeout): an outcome.
        $ran++;
        $by_target{ $inputs{$i}[0] }++;
        $outcome{'top-level error'}++;
        print "input $i ($inputs{$i}[0]): top-level error\n" if $opt{verbose};
    }
    print STDERR grep { !/^psql:.*(ERROR|canceling)/ } @errs if $opt{verbose};
    return $to;
}

load_seeds();

if (defined $opt{show}) {
    my @in = input($opt{show});
    print "-- fuzz target $in[0], seed $opt{seed}, input $opt{show}\n";
    print "SELECT fuzz.try(" . join(",\n    ", map { sql_literal($_) . '::jsonb' } @in[1 .. 3]) . ");\n";
    exit 0;
}

my $t0 = time;
my $crashes_before = crash_count();
my $next = 0;
while (1) {
    last if $opt{inputs} && $next >= $opt{inputs};
    last if $opt{seconds} && time - $t0 >= $opt{seconds};
    my $to = $next + $opt{batch};
    $to = $opt{inputs} if $opt{inputs} && $to > $opt{inputs};
    $next = run_batch($next, $to);
}
my $signals = crash_count() - $crashes_before;
push @findings, "$signals server process(es) terminated by a signal (server log)"
    if $signals > 0 && !grep { /^crash/ } @findings;

printf "fuzz: seed %d, %d inputs in %.0fs (%s) from %d process and %d case seeds\n", $opt{seed}, $ran,
    time - $t0, join(', ', map { "$_ $by_target{$_}" } grep { $by_target{$_} } @TARGETS),
    scalar @SEEDS, scalar @CASE_SEEDS;
printf "fuzz: reached %s\n", join(', ', map { "$_ $states{$_}" } sort keys %states);
printf "fuzz: SQLSTATEs %s\n", join(', ', map { "$_ $outcome{$_}" } sort { $outcome{$b} <=> $outcome{$a} } keys %outcome);
print map { "  $_: $example{$_}\n" } sort keys %example if $opt{verbose};
printf "fuzz: %d crash(es), %d finding(s)%s\n", scalar(grep { /^crash/ } @findings), scalar @findings,
    @findings ? ":\n  " . join("\n  ", @findings) : '';
exit(@findings ? 1 : 0);
