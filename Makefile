# pg_bpm: PGXS build.
#
# The install script of the current version is generated from the concept
# files in src/sql/ (one per concept, applied in name order). Released
# versions are frozen in src/sql/versions/: the install script of each
# release as it was generated (pg_bpm--0.1.0.sql), and one upgrade script
# from each release to the next (pg_bpm--0.1.0--0.2.0.sql). A change to the
# SQL of the current version goes into its concept file and into the upgrade
# script from the last release; test/t/050_upgrade.pl checks that the two
# agree.

EXTENSION  = pg_bpm
EXTVERSION = 0.2.0
MODULE_big = pg_bpm
# src/ has a folder per subsystem (src/README.md); pg_bpm.c sits at its root.
SUBSYSTEMS = util time security audit expr definition process case task job worker
OBJS       = src/pg_bpm.o $(patsubst %.c,%.o,$(sort $(wildcard $(addsuffix /*.c,$(addprefix src/,$(SUBSYSTEMS))))))
DATA_built = pg_bpm--$(EXTVERSION).sql
DATA       = $(sort $(wildcard src/sql/versions/*.sql))
EXTRA_CLEAN = pg_bpm--$(EXTVERSION).sql

# BPM_EXTVERSION: the SQL version this library serves (the scheduler runs
# no jobs of a database whose extension is at another one, and the engine
# refuses to act there: src/util/version.c).
PG_CPPFLAGS = -I$(srcdir)/src -DBPM_EXTVERSION='"$(EXTVERSION)"'
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror=implicit-function-declaration

# pg_regress transcripts: one per feature area in sql/, output in expected/.
REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=pg_bpm

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild every object when a header changes.
$(OBJS): $(wildcard src/*/*.h)
src/util/version.o src/worker/scheduler.o: Makefile

pg_bpm--$(EXTVERSION).sql: $(sort $(wildcard src/sql/*.sql))
	cat $^ > $@
