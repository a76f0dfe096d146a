# pg_bpm: PGXS build.
#
# The install script of the current version is generated from the concept
# files in src/sql/ (one per concept, applied in name order). Released
# versions are frozen: when 0.2.0 is cut, pg_bpm--0.1.0.sql is committed as
# it was generated and an upgrade script pg_bpm--0.1.0--0.2.0.sql is added.

EXTENSION  = pg_bpm
EXTVERSION = 0.1.0
MODULE_big = pg_bpm
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA_built = pg_bpm--$(EXTVERSION).sql
EXTRA_CLEAN = pg_bpm--$(EXTVERSION).sql

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror=implicit-function-declaration

# pg_regress transcripts: one per feature area in sql/, output in expected/.
REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=pg_bpm

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild every object when a header changes.
$(OBJS): $(wildcard src/*.h)

pg_bpm--$(EXTVERSION).sql: $(sort $(wildcard src/sql/*.sql))
	cat $^ > $@
