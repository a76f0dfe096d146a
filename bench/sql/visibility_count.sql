-- the whole worklist: every open task through the policies (bench/visibility.sh)
SELECT count(*) FROM bpm.worklist;
