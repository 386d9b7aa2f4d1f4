#pragma once
/* Private to db/: the new articles and quotes a write transaction has listed
 * in fts_pending (migration 11) go into their search indexes just before it
 * commits, all in one statement per index, so FTS5 writes them out as one
 * segment instead of one per write. */

#include "db/conn.h"

/* Commits the writer's open transaction, its pending rows indexed and
 * unlisted first: the one way a write transaction commits, so a committed
 * row is always searchable. On failure nothing is committed (the caller
 * rolls back). */
enum db_status fts_pending_commit(struct db *w);
