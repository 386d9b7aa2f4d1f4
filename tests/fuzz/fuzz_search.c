/* libFuzzer target: the search-query parser, and the full-text index that
 * runs what it compiles. The input is the q parameter's decoded text. The
 * compiler promises that user text never becomes FTS5 syntax, so every
 * query it accepts must also be one the index accepts. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/search.h"
#include "tests/fuzz/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The sample store, searched read-only by every input. */
static struct store *store;

__attribute__((noreturn)) static void broken(const char *what, const char *query)
{
    fprintf(stderr, "fuzz_search: %s (query %s)\n", what, query);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    store = fuzz_store_open();
    return 0;
}

/* Runs the search, and its second page when there is one: a key the
 * search made must come back through parse_key. */
static void search_pages(const char *query)
{
    struct db *db = store_reader(store);
    struct keyset next = {0}, after = {0};
    json_t *items = NULL;
    bool capped;

    if (db == NULL)
        broken("no reader", query);
    for (int page = 0; page < 2; page++) {
        enum db_status rc = db_search(db, query, NULL, &after, 2, &items, &next, &capped);
        json_decref(items);
        items = NULL;
        if (rc == DB_INVALID)
            broken("the index refused a query the compiler accepted", query);
        if (rc != DB_OK)
            broken("the search failed", query);
        if (!next.set)
            break;
        if (!db_search_is_key(next.key))
            broken("the search made a key it refuses", query);
        after = next;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Query values reach handlers NUL-terminated. */
    char *query = malloc(size + 1);
    char match[SEARCH_MATCH_MAX], why[256];

    if (query == NULL)
        return 0;
    memcpy(query, data, size);
    query[size] = '\0';
    memset(match, 'x', sizeof match);
    why[0] = '\0';

    enum db_status rc = db_search_compile(query, match, sizeof match, why, sizeof why);
    if (rc == DB_OK && memchr(match, '\0', sizeof match) == NULL)
        broken("the MATCH expression is not terminated", query);
    if (rc != DB_OK && (rc != DB_INVALID || why[0] == '\0'))
        broken("a refused query comes without a reason", query);
    if (rc == DB_OK)
        search_pages(query);
    free(query);
    return 0;
}
