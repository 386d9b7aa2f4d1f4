#pragma once
/* wirebase backup PATH: an online, consistent copy of the database. */

int backup_cli_run(int argc, char **argv);
