#include "db/transfer.h"

#include <stdlib.h>
#include <string.h>

#include "db/bulk_load.h"
#include "db/conn.h"
#include "db/records.h"
#include "db/writes.h"

struct kind_name {
    enum db_kind kind;
    const char *type;
    const char *next_sql; /* the next id after ?, in id order */
};

/* Export order follows the references, as the loader's does. */
static const struct kind_name kinds[] = {
    {KIND_ENTITY, "entity", "SELECT id FROM entities WHERE id > ? ORDER BY id LIMIT 1"},
    {KIND_ARTICLE, "article", "SELECT id FROM articles WHERE id > ? ORDER BY id LIMIT 1"},
    {KIND_QUOTE, "quote", "SELECT id FROM quotes WHERE id > ? ORDER BY id LIMIT 1"},
    {KIND_AGREEMENT, "agreement", "SELECT id FROM agreements WHERE id > ? ORDER BY id LIMIT 1"},
};

#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

/* ---- import ------------------------------------------------------------ */

/* An agreement's supersedes link waits for the end of the stream, so a
 * line may name an agreement that comes later. */
struct pending_link {
    int64_t id;
    long line;
    json_t *ref;
};

struct importer {
    struct db *w;
    bool partial;
    struct bulk_load *bulk; /* a new store's, else NULL */
    struct transfer_counts *counts;
    json_t *errors;
    struct pending_link *links;
    size_t nlinks, cap;
};

static void report_line(struct importer *im, long line, const struct record_error *err)
{
    json_array_append_new(im->errors, json_pack("{s:I, s:s, s:s}", "line", (json_int_t)line,
                                                "field", err->field, "message", err->message));
}

static bool remember_link(struct importer *im, int64_t id, long line, json_t *ref,
                          struct record_error *err)
{
    if (im->nlinks == im->cap) {
        size_t cap = im->cap ? im->cap * 2 : 64;
        struct pending_link *grown = realloc(im->links, cap * sizeof *grown);
        if (grown == NULL)
            return record_fail(err, DB_ERR, NULL, "out of memory");
        im->links = grown;
        im->cap = cap;
    }
    im->links[im->nlinks++] = (struct pending_link){id, line, json_incref(ref)};
    return true;
}

/* Stores one record (the line's, "type" included; taken over); false with
 * err set when it is bad. */
static bool import_record(struct importer *im, json_t *rec, long line, struct record_error *err)
{
    const struct kind_name *k = NULL;
    bool ok = false;

    memset(err, 0, sizeof *err);
    const char *type = json_string_value(json_object_get(rec, "type"));
    for (size_t i = 0; i < KIND_COUNT && type != NULL; i++)
        if (strcmp(kinds[i].type, type) == 0)
            k = &kinds[i];
    if (k == NULL) {
        record_fail(err, DB_INVALID, "type", "must be entity, article, quote or agreement");
        goto done;
    }
    json_object_del(rec, "type");
    /* On a line, "type" names the kind of record, so an entity's own type
     * travels as "entity_type". */
    if (k->kind == KIND_ENTITY) {
        json_t *entity_type = json_object_get(rec, "entity_type");
        if (entity_type != NULL) {
            json_object_set(rec, "type", entity_type);
            json_object_del(rec, "entity_type");
        } else {
            record_fail(err, DB_INVALID, "entity_type", "is required");
            goto done;
        }
    }
    int64_t id;
    if (!record_insert(im->w, k->kind, rec, true, &id, err)) {
        /* Name the field as the line spells it. */
        if (k->kind == KIND_ENTITY && strcmp(err->field, "type") == 0)
            snprintf(err->field, sizeof err->field, "entity_type");
        goto done;
    }
    if (im->bulk != NULL && !bulk_load_stored(im->bulk, k->kind, id, rec, err))
        goto done;
    json_t *older = json_object_get(rec, "supersedes");
    if (k->kind == KIND_AGREEMENT && older != NULL && !json_is_null(older) &&
        !remember_link(im, id, line, older, err))
        goto done;
    int *counters[] = {[KIND_ENTITY] = &im->counts->entities,
                       [KIND_ARTICLE] = &im->counts->articles,
                       [KIND_QUOTE] = &im->counts->quotes,
                       [KIND_AGREEMENT] = &im->counts->agreements};
    (*counters[k->kind])++;
    ok = true;
done:
    json_decref(rec);
    return ok;
}

/* In partial mode each line is its own savepoint: a bad line rolls back
 * only itself. */
static bool savepoint(struct db *w, const char *sql)
{
    return conn_exec(w, sql) == DB_OK;
}

/* Reads one line into *buf (grown as needed up to max bytes, NUL-terminated,
 * newline dropped). A longer line is consumed to its end and reported with
 * *too_long, so no line is ever held beyond max. -1 at the end. */
static long read_line(FILE *in, char **buf, size_t *cap, size_t max, bool *too_long)
{
    size_t n = 0;
    int c;
    *too_long = false;
    while ((c = getc_unlocked(in)) != EOF && c != '\n') {
        if (n + 1 >= *cap && !*too_long) {
            size_t grown_cap = *cap * 2 <= max + 1 ? *cap * 2 : max + 1;
            char *grown = grown_cap > *cap ? realloc(*buf, grown_cap) : NULL;
            if (grown == NULL) {
                *too_long = true; /* at the limit, or out of memory */
            } else {
                *buf = grown;
                *cap = grown_cap;
            }
        }
        if (!*too_long)
            (*buf)[n++] = (char)c;
    }
    (*buf)[n] = '\0';
    if (c == EOF && n == 0 && !*too_long)
        return -1;
    return (long)n;
}

/* A failure of the store rather than of the line: it ends even a partial
 * import, since no later line could fare better. */
static bool store_failed(enum db_status status)
{
    return status == DB_ERR || status == DB_BUSY || status == DB_FULL ||
           status == DB_UNAVAILABLE;
}

/* Where an import's records come from: NDJSON lines, or a caller's
 * records (db_import_records). */
struct input {
    FILE *in;
    db_record_source next;
    void *ctx;
    char *buf;
    size_t cap;
    long line; /* of the last record given: its line, or its number */
};

enum input_step { INPUT_END, INPUT_RECORD, INPUT_FAILED };

/* The next record into *rec (NULL for a bad line, with err saying why). */
static enum input_step next_input(struct input *in, json_t **rec, struct record_error *err)
{
    *rec = NULL;
    memset(err, 0, sizeof *err);
    if (in->next != NULL) {
        bool failed = false;
        *rec = in->next(in->ctx, &failed);
        in->line++;
        if (failed) {
            json_decref(*rec);
            *rec = NULL;
            return INPUT_FAILED;
        }
        return *rec != NULL ? INPUT_RECORD : INPUT_END;
    }
    long len;
    bool too_long;
    do {
        if ((len = read_line(in->in, &in->buf, &in->cap, TRANSFER_LINE_MAX, &too_long)) < 0)
            return ferror(in->in) ? INPUT_FAILED : INPUT_END;
        in->line++;
        while (len > 0 && in->buf[len - 1] == '\r')
            in->buf[--len] = '\0';
    } while (!too_long && strspn(in->buf, " \t") == (size_t)len);
    if (too_long) {
        record_fail(err, DB_INVALID, NULL, "the line is longer than %d bytes", TRANSFER_LINE_MAX);
        return INPUT_RECORD;
    }
    json_error_t jerr;
    *rec = json_loadb(in->buf, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
    if (*rec == NULL)
        record_fail(err, DB_INVALID, NULL, "malformed JSON at column %d: %s", jerr.column,
                    jerr.text);
    return INPUT_RECORD;
}

static enum db_status import_all(struct importer *im, struct input *input, long *bad_line,
                                 struct record_error *err)
{
    enum input_step step;
    json_t *rec;
    enum db_status rc = DB_ERR;

    while ((step = next_input(input, &rec, err)) == INPUT_RECORD) {
        bool ok = false;
        if (rec != NULL) {
            if (im->partial && !savepoint(im->w, "SAVEPOINT line")) {
                json_decref(rec);
                goto done;
            }
            ok = import_record(im, rec, input->line, err);
            if (im->partial && !savepoint(im->w, ok ? "RELEASE line"
                                                    : "ROLLBACK TO line; RELEASE line"))
                goto done;
        }
        if (ok)
            continue;
        if (store_failed(err->status) || !im->partial) {
            *bad_line = input->line;
            rc = err->status;
            goto done;
        }
        report_line(im, input->line, err);
    }
    if (step == INPUT_FAILED) {
        record_fail(err, DB_ERR, NULL, "the input could not be read");
        goto done;
    }
    for (size_t i = 0; i < im->nlinks; i++) {
        struct pending_link *p = &im->links[i];
        if (im->partial && !savepoint(im->w, "SAVEPOINT line"))
            goto done;
        bool ok = record_link_supersedes(im->w, p->id, p->ref, false, err);
        if (im->partial && !savepoint(im->w, ok ? "RELEASE line" : "ROLLBACK TO line; RELEASE line"))
            goto done;
        if (ok)
            continue;
        if (store_failed(err->status) || !im->partial) {
            *bad_line = p->line;
            rc = err->status;
            goto done;
        }
        report_line(im, p->line, err);
    }
    rc = DB_OK;
done:
    if (rc == DB_ERR && err->message[0] == '\0')
        record_fail(err, DB_ERR, NULL, "the database failed; see the server log");
    return rc;
}

enum db_status db_import(struct store *store, FILE *in, bool partial,
                         struct transfer_counts *counts, json_t **errors, long *bad_line,
                         struct record_error *err)
{
    struct db_import_options opts = {.partial = partial};
    return db_import_with(store, in, &opts, counts, errors, bad_line, err);
}

static enum db_status import_from(struct store *store, struct input *input,
                                  const struct db_import_options *opts,
                                  struct transfer_counts *counts, json_t **errors,
                                  long *bad_line, struct record_error *err)
{
    struct importer im = {.partial = opts->partial, .counts = counts, .errors = json_array()};
    enum db_status rc;

    memset(counts, 0, sizeof *counts);
    memset(err, 0, sizeof *err);
    *bad_line = 0;
    *errors = NULL;
    im.w = db_write_begin(store, &rc);
    if (im.w == NULL) {
        record_fail(err, rc, NULL, rc == DB_READ_ONLY ? "the store is read-only"
                                                     : "the database is busy");
        goto done;
    }
    if (opts->new_store && (im.bulk = bulk_load_begin(im.w, opts->partial, err)) == NULL) {
        rc = err->status;
        db_write_abort(store, im.w);
        goto done;
    }
    rc = import_all(&im, input, bad_line, err);
    if (rc == DB_OK && im.bulk != NULL && !bulk_load_end(im.bulk, im.w, err))
        rc = err->status;
    if (rc != DB_OK) {
        db_write_abort(store, im.w);
        memset(counts, 0, sizeof *counts);
        goto done;
    }
    rc = db_write_commit(store, im.w);
    if (rc != DB_OK) {
        record_fail(err, rc, NULL, "the import could not be committed");
        memset(counts, 0, sizeof *counts);
        goto done;
    }
    if (im.bulk != NULL)
        bulk_load_settle(im.bulk, store, counts);
    *errors = im.errors;
    im.errors = NULL;
done:
    bulk_load_free(im.bulk);
    for (size_t i = 0; i < im.nlinks; i++)
        json_decref(im.links[i].ref);
    free(im.links);
    json_decref(im.errors);
    return rc;
}

enum db_status db_import_with(struct store *store, FILE *in, const struct db_import_options *opts,
                              struct transfer_counts *counts, json_t **errors, long *bad_line,
                              struct record_error *err)
{
    struct input input = {.in = in, .cap = 64 * 1024};
    input.buf = malloc(input.cap);
    if (input.buf == NULL) {
        memset(counts, 0, sizeof *counts);
        *errors = NULL;
        *bad_line = 0;
        record_fail(err, DB_ERR, NULL, "out of memory");
        return DB_ERR;
    }
    enum db_status rc = import_from(store, &input, opts, counts, errors, bad_line, err);
    free(input.buf);
    return rc;
}

enum db_status db_import_records(struct store *store, db_record_source next, void *ctx,
                                 const struct db_import_options *opts,
                                 struct transfer_counts *counts, json_t **errors, long *bad_line,
                                 struct record_error *err)
{
    struct input input = {.next = next, .ctx = ctx};
    return import_from(store, &input, opts, counts, errors, bad_line, err);
}

/* ---- export ------------------------------------------------------------ */

struct db_export {
    struct db *db;
    size_t kind;     /* index into kinds */
    int64_t last_id; /* of that kind */
};

struct db_export *db_export_open(struct store *store)
{
    struct db_export *ex = calloc(1, sizeof *ex);
    if (ex == NULL)
        return NULL;
    ex->db = store_reader_open(store);
    /* One snapshot for the whole export: records written meanwhile are
     * either all in it or not at all. */
    if (ex->db == NULL || db_snapshot_begin(ex->db) != DB_OK) {
        db_export_close(ex);
        return NULL;
    }
    return ex;
}

json_t *db_export_next(struct db_export *ex, enum db_status *status)
{
    struct record_error err;
    *status = DB_OK;
    while (ex->kind < KIND_COUNT) {
        const struct kind_name *k = &kinds[ex->kind];
        sqlite3_stmt *st = conn_stmt(ex->db, k->next_sql);
        if (st == NULL) {
            *status = DB_ERR;
            return NULL;
        }
        sqlite3_bind_int64(st, 1, ex->last_id);
        int step = sqlite3_step(st);
        int64_t id = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        conn_done(st);
        if (step == SQLITE_DONE) {
            ex->kind++;
            ex->last_id = 0;
            continue;
        }
        if (step != SQLITE_ROW) {
            *status = conn_status(ex->db, step);
            return NULL;
        }
        ex->last_id = id;
        json_t *rec = record_export(ex->db, k->kind, id, &err);
        if (rec == NULL) {
            *status = err.status;
            return NULL;
        }
        /* "type" leads the line so a reader sees the kind first; an
         * entity's own type moves to "entity_type" (see import_line). */
        json_t *line = json_pack("{s:s}", "type", k->type);
        if (line == NULL) {
            json_decref(rec);
            *status = DB_ERR;
            return NULL;
        }
        const char *key;
        json_t *value;
        json_object_foreach(rec, key, value)
            json_object_set(line, k->kind == KIND_ENTITY && strcmp(key, "type") == 0
                                      ? "entity_type" : key, value);
        json_decref(rec);
        return line;
    }
    return NULL;
}

void db_export_close(struct db_export *ex)
{
    if (ex == NULL)
        return;
    if (ex->db != NULL) {
        db_snapshot_end(ex->db);
        store_reader_close(ex->db);
    }
    free(ex);
}

enum db_status db_export_write(struct store *store, FILE *out)
{
    struct db_export *ex = db_export_open(store);
    enum db_status rc = DB_ERR;
    json_t *line;

    if (ex == NULL)
        return DB_ERR;
    while ((line = db_export_next(ex, &rc)) != NULL) {
        int written = json_dumpf(line, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(line);
        if (written != 0 || fputc('\n', out) == EOF) {
            rc = DB_ERR;
            break;
        }
    }
    db_export_close(ex);
    return rc;
}
