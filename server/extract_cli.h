#pragma once
/* wirebase extract FILE|-: the extractor on one article, JSON on stdout. */

int extract_cli_run(int argc, char **argv);
