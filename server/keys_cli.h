#pragma once
/* `wirebase keys`: create, list and revoke API keys from the command line,
 * on the database `serve` uses (--db or WIREBASE_DB). */

/* Runs `wirebase keys COMMAND ...`; argv[1] is "keys". Returns the exit
 * code: 0 done, 1 failed at run time (a name taken, no such key, no
 * database, a database error), 2 bad usage. `create` writes the new key,
 * alone, on stdout's first line and a note to stderr; it is never shown
 * again. `list` writes a table to stdout without secrets. Messages go to
 * stderr. */
int keys_cli_run(int argc, char **argv);
