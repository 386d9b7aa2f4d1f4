#pragma once
/* The database the fuzz targets that reach db/ work on: the sample data in
 * a real SQLite file (WAL, locks and all, as in production) under a fresh
 * temporary directory, removed when the process exits. */

#include "db/db.h"

/* Opens a store holding the sample data, in a file of its own under $TMPDIR
 * (or /tmp). The first call loads the sample once and keeps the file's
 * bytes; later calls copy those bytes, far cheaper than loading again. One
 * store at a time. Aborts on failure: without its store a target can fuzz
 * nothing, and a silent skip would look like a clean run. */
struct store *fuzz_store_open(void);

/* Closes the store fuzz_store_open returned and removes its files. */
void fuzz_store_close(struct store *store);

/* The id of the sample record `slug` names; aborts if there is none, since
 * a target built on that record would then fuzz nothing. */
int64_t fuzz_store_id(struct store *store, enum db_kind kind, const char *slug);
