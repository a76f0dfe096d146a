/*
 * src/process/boundary.h
 *
 * Boundary events: arming the timers of an activity a token enters
 * (job/boundary_timer.c fires them when their jobs fall due), and BPMN errors:
 * how a function raises one (SQLSTATE BPMNE, message = code, detail = the
 * human message), and which error boundary event catches it.
 */
#ifndef BPM_BOUNDARY_H
#define BPM_BOUNDARY_H

#include "process/engine.h"

/* SQLSTATE of a BPMN error: RAISE EXCEPTION 'CODE' USING ERRCODE = 'BPMNE' */
#define BPM_ERRCODE_BPMN_ERROR MAKE_SQLSTATE('B','P','M','N','E')

extern void bpm_boundary_arm(BpmInstance *inst, BpmNode *node, int64 token_id);
extern bool bpm_boundary_catch(BpmInstance *inst, int node, int64 token_id, int64 job_id,
							   const char *code, const char *message, const char *worker);

extern bool bpm_is_bpmn_error(ErrorData *error);
extern Jsonb *bpm_error_object(const char *code, const char *message);

#endif							/* BPM_BOUNDARY_H */
