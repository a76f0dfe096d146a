/*
 * src/worker/worker.h
 *
 * What worker/ offers the other folders: the background workers, their
 * settings and their start (workers.h). Other folders include this header,
 * not that one (src/README.md).
 */
#ifndef BPM_WORKER_H
#define BPM_WORKER_H

#include "worker/workers.h"

#endif							/* BPM_WORKER_H */
