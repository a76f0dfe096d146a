/*
 * src/process/process.h
 *
 * What process/ offers the other folders: instances, their lock and the
 * engine's entry points (engine.h), boundary events and BPMN errors
 * (boundary.h), timer start events (start_timer.h). Other folders include
 * this header, not those (src/README.md).
 */
#ifndef BPM_PROCESS_H
#define BPM_PROCESS_H

#include "process/engine.h"
#include "process/boundary.h"
#include "process/start_timer.h"

#endif							/* BPM_PROCESS_H */
