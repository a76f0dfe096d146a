-- one case's timeline, a random one of the ncases cases from id first (bench/visibility.sh)
\set c :first + random(0, :ncases - 1)
SELECT * FROM bpm.history(:c);
