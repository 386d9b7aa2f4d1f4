#pragma once
/* Write transactions, one per write or shared by a batch of them (group
 * commit). A handler opens one, makes its changes and commits, or aborts
 * and nothing it did remains; it reads the same whether it runs alone or
 * in a batch. */

#include "db/db.h"

/* Locks the writer and begins an IMMEDIATE transaction. NULL with *status
 * DB_READ_ONLY for a read-only store, DB_BUSY when another process holds the
 * database past the busy timeout. Inside a batch on this thread, a
 * savepoint of the batch's transaction instead. */
struct db *db_write_begin(struct store *store, enum db_status *status);

/* Commits and unlocks. On failure the transaction is rolled back. Inside a
 * batch, releases the savepoint: the changes are final only once
 * db_batch_end commits them. */
enum db_status db_write_commit(struct store *store, struct db *w);

/* Rolls back and unlocks (inside a batch: back to the write's savepoint,
 * the batch's other writes stay). */
void db_write_abort(struct store *store, struct db *w);

/* Group commit: locks the writer and begins one transaction that the
 * calling thread's writes join until db_batch_end, so a batch of writes
 * pays for one commit and writes the pages they share (the store's
 * version, counters, index interiors) once. Errors as db_write_begin;
 * even then the batch is open on this thread until db_batch_end, and each
 * db_write_begin in it fails at once with the same status. */
enum db_status db_batch_begin(struct store *store);

/* Commits the batch and unlocks; always paired with db_batch_begin. DB_OK
 * when every write committed in it is stored; otherwise none is (the batch
 * never began, or is rolled back: SQLite ends the whole transaction when a
 * write fills the disk or the size limit) and no answer given inside the
 * batch holds, refusals included, since a write may have been refused for
 * what an earlier one of the batch did. */
enum db_status db_batch_end(struct store *store);
