#pragma once
/* Online backups: a consistent copy of the store while it serves and takes
 * writes, through SQLite's backup API. */

#include <stddef.h>

#include "db/db.h"

/* Copies the store to a new database file at `path` from one snapshot of it
 * (the state after some commit; later writes are not in it), while other
 * connections and processes go on reading and writing. The copy is written
 * to "<path>.partial" and renamed into place when whole, so `path` never
 * holds half a backup. DB_CONFLICT if `path` (or the .partial file) already
 * exists; DB_BUSY if the store stayed locked past its busy timeout; DB_FULL
 * if the disk filled up; DB_ERR otherwise. err says why. */
enum db_status db_backup(struct store *store, const char *path, char *err, size_t errlen);
