#pragma once
/* `wirebase documents`: renders every article of a store and keeps the
 * documents beside it (db/documents.h), so that a server started on it
 * reads each article with one read from the first request on. Run after
 * a bulk import, with no server on the store. */

/* argv[1] is "documents". Returns the exit code: 0 done, 1 failed (no
 * database, a server holds the documents, a database error), 2 bad usage. */
int documents_cli_run(int argc, char **argv);
