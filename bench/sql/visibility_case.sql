-- one case by id, a random one of the ncases cases from id first (bench/visibility.sh)
\set c :first + random(0, :ncases - 1)
SELECT * FROM bpm.cases WHERE id = :c;
