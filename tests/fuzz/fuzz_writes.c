/* libFuzzer target: JSON request bodies through every write endpoint's
 * checks and writes. Each input is parsed as the handlers parse a body,
 * then, each in a write transaction that is rolled back so every input
 * meets the same sample store:
 *   POST  /v1/{articles,entities,agreements,quotes}      as a new record
 *   PATCH /v1/{...}/{id}                                 as a merge patch
 *   POST  /v1/entities/{id}/aliases, /merge              its "aliases", "into"
 * A record that was written must also survive being written again from
 * its own export (an empty merge patch): what import and PATCH rely on. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "db/writes.h"
#include "tests/fuzz/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *store;

/* A sample record of each kind for PATCH, and the entity the entity
 * actions work on. */
static const struct target {
    enum db_kind kind;
    const char *slug;
} targets[] = {
    {KIND_ARTICLE, "us-russian-defense-chiefs-promote-deeper-ties"},
    {KIND_ENTITY, "robert-gates"},
    {KIND_AGREEMENT, "us-russia-defense-cooperation-memorandum-2010"},
    {KIND_QUOTE, "gates-russia-not-a-threat"},
};

#define TARGET_COUNT (sizeof targets / sizeof targets[0])
/* The entry of targets the entity actions work on. */
#define ENTITY_TARGET 1

static int64_t target_ids[TARGET_COUNT];

__attribute__((noreturn)) static void broken(const char *what, const struct record_error *err)
{
    fprintf(stderr, "fuzz_writes: %s (%s: %s)\n", what, err->field, err->message);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    store = fuzz_store_open();
    for (size_t i = 0; i < TARGET_COUNT; i++)
        target_ids[i] = fuzz_store_id(store, targets[i].kind, targets[i].slug);
    return 0;
}

enum action { CREATE, PATCH, ADD_ALIASES, MERGE };

/* One write in its own transaction, rolled back whatever happened. */
static void try_write(enum action action, size_t target, const json_t *body)
{
    enum db_status status;
    struct record_error err = {0};
    json_t *empty = json_object();
    enum db_kind kind = targets[target].kind;
    int64_t id = target_ids[target], into;
    bool ok = false;

    struct db *w = db_write_begin(store, &status);
    if (w == NULL || empty == NULL) {
        err.status = status;
        broken("no write transaction", &err);
    }
    switch (action) {
    case CREATE: ok = db_record_create(w, kind, body, &id, &err); break;
    case PATCH: ok = db_record_patch(w, kind, id, body, &err); break;
    case ADD_ALIASES:
        ok = db_entity_add_aliases(w, id, json_object_get(body, "aliases"), &err);
        break;
    case MERGE:
        ok = db_entity_resolve_ref(w, json_object_get(body, "into"), "into", &into, &err) &&
             db_entity_merge(w, id, into, &err);
        break;
    }
    /* A refusal must say why, in terms of the client's fields; DB_ERR
     * means the store itself failed, which no body may cause. */
    if (!ok && (err.status == DB_OK || err.status == DB_ERR || err.message[0] == '\0'))
        broken("a write failed without a client error", &err);
    if (ok && (action == CREATE || action == PATCH) && !db_record_patch(w, kind, id, empty, &err))
        broken("a record written cannot be written again from its export", &err);
    db_write_abort(store, w);
    json_decref(empty);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;

    /* As records_read_body: duplicate keys refused, only objects go on. */
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(body))
        goto done;
    for (size_t i = 0; i < TARGET_COUNT; i++) {
        try_write(CREATE, i, body);
        try_write(PATCH, i, body);
    }
    /* The entity actions take one field of the body; without it the
     * handler answers 400 before reaching db/. */
    if (json_object_get(body, "aliases") != NULL)
        try_write(ADD_ALIASES, ENTITY_TARGET, body);
    if (json_object_get(body, "into") != NULL)
        try_write(MERGE, ENTITY_TARGET, body);
done:
    json_decref(body);
    return 0;
}
