#pragma once
/* The level of a bulk-built full-text index's segment. */

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* After a bulk build leaves `index` (an FTS5 table) as one segment of
 * `documents` rows ('rebuild' then 'optimize'), moves that segment to the
 * level FTS5 would have given it had the rows been written one at a time,
 * in a transaction of its own on `db`, which must not be the connection
 * that built the index (FTS5 keeps the index's structure cached per
 * connection, and only another connection's commit makes it read it
 * again). True when it was moved or had nothing to move; false, leaving
 * the index as it was, when the structure is not the one-segment record
 * this knows or the database failed. */
bool fts_settle_bulk_segment(struct db *db, const char *index, int64_t documents);
