#pragma once
/* `wirebase import FILE [--partial] [--db PATH]` and
 * `wirebase export [--db PATH]`: the NDJSON transfer from the command line,
 * the same format as POST /v1/import and GET /v1/export. */

int transfer_cli_import(int argc, char **argv);
int transfer_cli_export(int argc, char **argv);
