CREATE EXTENSION pg_bpm;
SELECT bpm.deploy(jsonb_build_object('key', 'wide', 'nodes', jsonb_build_array(jsonb_build_object('id','s','type','start_event'), jsonb_build_object('id','sp','type','subprocess','nodes', (SELECT jsonb_agg(jsonb_build_object('id','t'||i,'type','user_task')) FROM generate_series(1,20) i) || jsonb_build_array(jsonb_build_object('id','ss','type','start_event'), jsonb_build_object('id','se','type','end_event')), 'flows', jsonb_build_array(jsonb_build_object('from','ss','to','t1'), jsonb_build_object('from','t20','to','se')) || (SELECT jsonb_agg(jsonb_build_object('from','t'||i,'to','t'||(i+1))) FROM generate_series(1,19) i)), jsonb_build_object('id','e','type','end_event')), 'flows', jsonb_build_array(jsonb_build_object('from','s','to','sp'), jsonb_build_object('from','sp','to','e'))));
SELECT bpm.start('wide');
SELECT bpm.complete_task(id) FROM bpm.task WHERE status = 'open';
SELECT bpm.complete_task(id) FROM bpm.task WHERE status = 'open';
SELECT bpm.deploy('{"key": "c1", "kind": "case", "plan": [{"id": "t", "type": "human_task"}, {"id": "st", "type": "stage", "items": [{"id": "u", "type": "human_task"}]}]}');
SELECT bpm.open_case('c1', '{"a": 1}');
SELECT bpm.complete_task(id) FROM bpm.task WHERE status = 'open';
SELECT count(*) FROM bpm.instance;
