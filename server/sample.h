#pragma once
/* The sample dataset (data/sample.json), embedded at build time. */

#include <stddef.h>

#include "db/dataset.h"

extern const unsigned char sample_json[];
extern const size_t sample_json_len;

/* Loads the embedded sample into the store; err says why on failure. */
enum db_status sample_load(struct store *store, struct dataset_counts *counts, char *err,
                           size_t errlen);
