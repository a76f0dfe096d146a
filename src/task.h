/*
 * src/task.h
 *
 * Human tasks. The triggers on bpm.task enforce the rules of every write
 * that does not come from the engine itself; the engine marks its own
 * writes (cancelling tasks of an ended scope) with these two calls.
 */
#ifndef BPM_TASK_H
#define BPM_TASK_H

extern void bpm_task_engine_write_begin(void);
extern void bpm_task_engine_write_end(void);

#endif							/* BPM_TASK_H */
