/* libFuzzer target: NDJSON import, line parser and all. The input is an
 * upload body, imported into the sample store whole (all or nothing) and,
 * when that refuses it, line by line (partial mode; an upload the whole
 * import took would go the same way again). A store an import changed is
 * replaced by a fresh copy, so every input meets the same store and a
 * finding replays alone. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "db/transfer.h"
#include "tests/fuzz/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *store;

__attribute__((noreturn)) static void broken(const char *what, const struct record_error *err)
{
    fprintf(stderr, "fuzz_import: %s (%s: %s)\n", what, err->field, err->message);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    store = fuzz_store_open();
    return 0;
}

/* Imports the upload; true when it stored anything. */
static bool import(const uint8_t *data, size_t size, bool partial, enum db_status *rc)
{
    struct transfer_counts counts = {0};
    struct record_error err = {0};
    json_t *errors = NULL;
    long bad_line = 0;
    /* fmemopen refuses an empty buffer; an empty upload is an empty file. */
    FILE *in = size > 0 ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");

    if (in == NULL)
        broken("cannot read the input", &err);
    *rc = db_import(store, in, partial, &counts, &errors, &bad_line, &err);
    fclose(in);
    /* A refused upload names its line and why; DB_ERR means the store
     * itself failed, which no upload may cause. */
    if (*rc != DB_OK && (*rc == DB_ERR || bad_line <= 0 || err.message[0] == '\0'))
        broken("an import failed without naming a bad line", &err);
    json_decref(errors);
    return *rc == DB_OK && counts.articles + counts.entities + counts.quotes + counts.agreements > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum db_status rc;
    bool stored = import(data, size, false, &rc);

    if (rc != DB_OK)
        stored = import(data, size, true, &rc);
    if (stored) {
        fuzz_store_close(store);
        store = fuzz_store_open();
    }
    return 0;
}
