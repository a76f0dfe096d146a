/*
 * src/util/util.h
 *
 * What util/ offers the other folders: SPI statements prepared once
 * (spi_util.h), jsonb helpers (jsonb_util.h), PostgreSQL version
 * differences (compat.h), the installed version of the SQL (version.h),
 * the checks of names given to the engine (names.h). Other folders
 * include this header, not those (src/README.md).
 */
#ifndef BPM_UTIL_H
#define BPM_UTIL_H

#include "util/compat.h"
#include "util/spi_util.h"
#include "util/jsonb_util.h"
#include "util/trigger.h"
#include "util/version.h"
#include "util/names.h"

#endif							/* BPM_UTIL_H */
