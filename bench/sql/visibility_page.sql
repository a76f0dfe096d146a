-- a worklist page: the 20 most urgent of the actor's open tasks (bench/visibility.sh)
SELECT * FROM bpm.worklist ORDER BY priority DESC, id LIMIT 20;
