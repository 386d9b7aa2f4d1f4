#include "db/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/fts_pending.h"
#include "db/records.h"

struct section {
    const char *name;
    enum db_kind kind;
};

/* Order follows the references: articles name entities, quotes name both,
 * agreements name all three. */
static const struct section sections[] = {
    {"entities", KIND_ENTITY},
    {"articles", KIND_ARTICLE},
    {"quotes", KIND_QUOTE},
    {"agreements", KIND_AGREEMENT},
};

#define SECTION_COUNT (sizeof sections / sizeof sections[0])

static enum db_status report(const struct record_error *rerr, const char *section, size_t index,
                             char *err, size_t errlen)
{
    if (rerr->field[0] != '\0')
        snprintf(err, errlen, "%s[%zu].%s: %s", section, index, rerr->field, rerr->message);
    else
        snprintf(err, errlen, "%s[%zu]: %s", section, index, rerr->message);
    return rerr->status == DB_OK ? DB_ERR : rerr->status;
}

static bool check_document(const json_t *dataset, char *err, size_t errlen)
{
    const char *key;
    json_t *value;
    if (!json_is_object(dataset)) {
        snprintf(err, errlen, "document: must be a JSON object");
        return false;
    }
    json_object_foreach((json_t *)dataset, key, value) {
        bool known = false;
        for (size_t i = 0; i < SECTION_COUNT && !known; i++)
            known = strcmp(sections[i].name, key) == 0;
        if (!known) {
            snprintf(err, errlen, "document: unknown section \"%s\"", key);
            return false;
        }
        if (!json_is_array(value)) {
            snprintf(err, errlen, "%s: must be an array", key);
            return false;
        }
    }
    return true;
}

/* Inserts every record of every section; agreements' supersedes links go in
 * after all agreements exist, so a record may name a later one. */
static enum db_status load_records(struct db *w, const json_t *dataset,
                                   struct dataset_counts *n, char *err, size_t errlen)
{
    int *counts[] = {&n->entities, &n->articles, &n->quotes, &n->agreements};
    struct record_error rerr;
    json_t *agreements = json_object_get(dataset, "agreements");
    size_t count = json_array_size(agreements);
    int64_t *agreement_ids = calloc(count ? count : 1, sizeof *agreement_ids);
    enum db_status rc = DB_ERR;

    if (agreement_ids == NULL) {
        snprintf(err, errlen, "out of memory");
        return DB_ERR;
    }
    for (size_t s = 0; s < SECTION_COUNT; s++) {
        size_t i;
        json_t *rec;
        json_array_foreach(json_object_get(dataset, sections[s].name), i, rec) {
            int64_t id;
            if (!record_insert(w, sections[s].kind, rec, true, &id, &rerr)) {
                rc = report(&rerr, sections[s].name, i, err, errlen);
                goto done;
            }
            if (sections[s].kind == KIND_AGREEMENT)
                agreement_ids[i] = id;
            (*counts[s])++;
        }
    }
    for (size_t i = 0; i < count; i++) {
        json_t *rec = json_array_get(agreements, i);
        if (!record_link_supersedes(w, agreement_ids[i], json_object_get(rec, "supersedes"),
                                    false, &rerr)) {
            rc = report(&rerr, "agreements", i, err, errlen);
            goto done;
        }
    }
    rc = DB_OK;
done:
    free(agreement_ids);
    return rc;
}

enum db_status db_dataset_load(struct store *store, const json_t *dataset,
                               struct dataset_counts *counts, char *err, size_t errlen)
{
    struct dataset_counts n = {0};
    enum db_status rc = DB_INVALID;
    bool in_transaction = false;
    struct db *w;

    snprintf(err, errlen, "unknown error");
    if (!check_document(dataset, err, errlen))
        return DB_INVALID;
    w = store_writer_begin(store);
    if (w == NULL) {
        snprintf(err, errlen, "the store is read-only");
        return DB_READ_ONLY;
    }
    rc = conn_exec(w, "BEGIN IMMEDIATE");
    if (rc == DB_OK) {
        in_transaction = true;
        rc = conn_exec(w, "UPDATE store_meta SET version = version + 1");
    }
    if (rc != DB_OK) {
        snprintf(err, errlen, "cannot start a transaction: %s", db_last_error(w));
        goto done;
    }
    in_transaction = true;
    rc = load_records(w, dataset, &n, err, errlen);
    if (rc != DB_OK)
        goto done;
    rc = fts_pending_commit(w);
    if (rc != DB_OK) {
        snprintf(err, errlen, "cannot commit: %s", db_last_error(w));
        goto done;
    }
    in_transaction = false;
    if (counts != NULL)
        *counts = n;
    err[0] = '\0';
done:
    if (in_transaction)
        conn_exec(w, "ROLLBACK");
    store_writer_end(store);
    return rc;
}
