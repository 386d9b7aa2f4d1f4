#include "server/sample.h"

#include <stdio.h>

enum db_status sample_load(struct store *store, struct dataset_counts *counts, char *err,
                           size_t errlen)
{
    json_error_t jerr;
    json_t *dataset = json_loadb((const char *)sample_json, sample_json_len, 0, &jerr);
    if (dataset == NULL) {
        snprintf(err, errlen, "embedded sample data, line %d: %s", jerr.line, jerr.text);
        return DB_INVALID;
    }
    enum db_status rc = db_dataset_load(store, dataset, counts, err, errlen);
    json_decref(dataset);
    return rc;
}
