/*
 * src/security/security.h
 *
 * What security/ offers the other folders: who acts (actor.h), the engine's
 * identity (identity.h), who may see a case and what belongs to it
 * (visibility.h). Other folders include this header, not those
 * (src/README.md).
 */
#ifndef BPM_SECURITY_H
#define BPM_SECURITY_H

#include "security/actor.h"
#include "security/identity.h"
#include "security/visibility.h"

#endif							/* BPM_SECURITY_H */
