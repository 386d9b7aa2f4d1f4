#pragma once
/* `wirebase terms`: counts the rows of the commonest words of the search
 * indexes and saves the counts in the store (db_count_common_terms), so
 * that a server's first search for such a word does not walk its posting
 * list. Run after a bulk import; a server may be running. */

/* argv[1] is "terms". Returns the exit code: 0 done, 1 failed (no
 * database, a database error), 2 bad usage. */
int terms_cli_run(int argc, char **argv);
