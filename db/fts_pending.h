#pragma once
/* Private to db/: the new articles and quotes a write transaction has listed
 * in fts_pending (migration 11) go into their search indexes just before it
 * commits, all in one statement per index, so FTS5 writes them out as one
 * segment instead of one per write. */

#include "db/conn.h"

/* Indexes and unlists every pending row, on the writer inside its open
 * transaction. Every path that commits a write calls it first, so a
 * committed row is always searchable. */
enum db_status fts_pending_flush(struct db *w);
