#include "db/dataset.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/text.h"

/* Limits on stored text, in bytes. They keep one record from dominating a
 * page and are the same for every way a record arrives. */
#define NAME_MAX_BYTES 200
#define TITLE_MAX_BYTES 500
#define SUMMARY_MAX_BYTES 4000
#define URL_MAX_BYTES 2000
#define BODY_MAX_BYTES (512 * 1024)
#define QUOTE_MAX_BYTES 4000
#define SLUG_BUF 128

struct loader {
    struct db *db;
    enum db_status status; /* what the first failure means */
    char *err;
    size_t errlen;
};

static bool fail(struct loader *l, enum db_status status, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool fail(struct loader *l, enum db_status status, const char *path, const char *fmt, ...)
{
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    snprintf(l->err, l->errlen, "%s: %s", path, message);
    l->status = status;
    return false;
}

static bool sql_failed(struct loader *l, const char *path)
{
    enum db_status status = conn_status(l->db, sqlite3_errcode(l->db->handle));
    return fail(l, status == DB_OK ? DB_ERR : status, path, "could not be stored");
}

static bool check_keys(struct loader *l, const char *path, const json_t *rec,
                       const char *const *allowed)
{
    const char *key;
    json_t *value;
    if (!json_is_object(rec))
        return fail(l, DB_INVALID, path, "must be an object");
    json_object_foreach((json_t *)rec, key, value) {
        bool known = false;
        for (const char *const *a = allowed; *a != NULL && !known; a++)
            known = strcmp(*a, key) == 0;
        if (!known)
            return fail(l, DB_INVALID, path, "unknown field \"%s\"", key);
    }
    return true;
}

/* Reads rec[key] as a string of 1..max bytes of clean UTF-8. An absent or
 * null optional field gives *out = NULL. */
static bool get_text(struct loader *l, const char *path, const json_t *rec, const char *key,
                     bool required, size_t max, const char **out)
{
    json_t *value = json_object_get(rec, key);
    *out = NULL;
    if (value == NULL || json_is_null(value)) {
        if (required)
            return fail(l, DB_INVALID, path, "\"%s\" is required", key);
        return true;
    }
    if (!json_is_string(value))
        return fail(l, DB_INVALID, path, "\"%s\" must be a string", key);
    size_t len = json_string_length(value);
    const char *text = json_string_value(value);
    if (len == 0 || strspn(text, " \t\r\n") == len)
        return fail(l, DB_INVALID, path, "\"%s\" must not be empty", key);
    if (len > max)
        return fail(l, DB_INVALID, path, "\"%s\" must be at most %zu bytes", key, max);
    if (!text_is_clean_utf8(text, len))
        return fail(l, DB_INVALID, path, "\"%s\" must be UTF-8 text without control characters",
                    key);
    *out = text;
    return true;
}

static bool get_enum(struct loader *l, const char *path, const json_t *rec, const char *key,
                     const char *const *values, const char **out)
{
    if (!get_text(l, path, rec, key, true, 64, out))
        return false;
    for (const char *const *v = values; *v != NULL; v++)
        if (strcmp(*v, *out) == 0)
            return true;
    return fail(l, DB_INVALID, path, "\"%s\" must be one of the documented values, not \"%s\"",
                key, *out);
}

static bool get_ref(struct loader *l, const char *path, const json_t *value, enum db_kind kind,
                    const char *what, int64_t *id)
{
    char ref[32];
    const char *text = ref;
    if (json_is_integer(value))
        snprintf(ref, sizeof ref, "%lld", (long long)json_integer_value(value));
    else if (json_is_string(value))
        text = json_string_value(value);
    else
        return fail(l, DB_INVALID, path, "must be the slug or id of %s", what);

    switch (db_resolve(l->db, kind, text, id)) {
    case DB_OK: return true;
    case DB_NOT_FOUND: return fail(l, DB_INVALID, path, "no %s \"%s\"", what, text);
    default: return sql_failed(l, path);
    }
}

static const char *const slug_taken_sql[] = {
    [KIND_ARTICLE] = "SELECT 1 FROM articles WHERE slug = ?",
    [KIND_ENTITY] = "SELECT 1 FROM entities WHERE slug = ?",
    [KIND_AGREEMENT] = "SELECT 1 FROM agreements WHERE slug = ?",
    [KIND_QUOTE] = "SELECT 1 FROM quotes WHERE slug = ?",
};

static int slug_taken(struct db *db, enum db_kind kind, const char *slug)
{
    sqlite3_stmt *st = conn_stmt(db, slug_taken_sql[kind]);
    if (st == NULL)
        return -1;
    conn_bind_text(st, 1, slug);
    int step = sqlite3_step(st);
    conn_done(st);
    return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

/* The record's own slug if it gives one (which must be free), else one made
 * from `basis`, with -2, -3, ... appended until it is free. */
static bool choose_slug(struct loader *l, const char *path, const json_t *rec, enum db_kind kind,
                        const char *basis, const char *fallback, char out[SLUG_BUF])
{
    json_t *given = json_object_get(rec, "slug");
    if (given != NULL && !json_is_null(given)) {
        if (!json_is_string(given) || !text_is_slug(json_string_value(given)))
            return fail(l, DB_INVALID, path,
                        "\"slug\" must be lower-case letters, digits and single hyphens,"
                        " not only digits, at most 120 bytes");
        snprintf(out, SLUG_BUF, "%s", json_string_value(given));
        int taken = slug_taken(l->db, kind, out);
        if (taken < 0)
            return sql_failed(l, path);
        if (taken)
            return fail(l, DB_CONFLICT, path, "slug \"%s\" is already taken", out);
        return true;
    }

    char base[SLUG_BUF - 12];
    text_slugify(basis, fallback, base, sizeof base);
    snprintf(out, SLUG_BUF, "%s", base);
    for (int n = 2; n < 100000; n++) {
        int taken = slug_taken(l->db, kind, out);
        if (taken < 0)
            return sql_failed(l, path);
        if (!taken)
            return true;
        snprintf(out, SLUG_BUF, "%s-%d", base, n);
    }
    return fail(l, DB_CONFLICT, path, "no free slug for \"%s\"", base);
}

static bool run_insert(struct loader *l, const char *path, sqlite3_stmt *st)
{
    int step = sqlite3_step(st);
    conn_done(st);
    return step == SQLITE_DONE ? true : sql_failed(l, path);
}

/* ---- entities ---------------------------------------------------------- */

static const char *const entity_keys[] = {"slug", "name", "type", "aliases", "description", NULL};
static const char *const entity_types[] = {"person", "organization", "location", "product", NULL};

static bool insert_alias(struct loader *l, const char *path, int64_t entity_id, int position,
                         const char *alias)
{
    char key[NAME_MAX_BYTES + 1];
    text_fold(alias, key, sizeof key);
    sqlite3_stmt *st = conn_stmt(l->db, "INSERT OR IGNORE INTO entity_aliases"
                                        " (entity_id, position, alias, alias_key) VALUES (?, ?, ?, ?)");
    if (st == NULL)
        return sql_failed(l, path);
    sqlite3_bind_int64(st, 1, entity_id);
    sqlite3_bind_int(st, 2, position);
    conn_bind_text(st, 3, alias);
    conn_bind_text(st, 4, key);
    return run_insert(l, path, st);
}

static bool load_entity(struct loader *l, const char *path, const json_t *rec)
{
    const char *name, *type, *description;
    char slug[SLUG_BUF], key[NAME_MAX_BYTES + 1];

    if (!check_keys(l, path, rec, entity_keys) ||
        !get_text(l, path, rec, "name", true, NAME_MAX_BYTES, &name) ||
        !get_enum(l, path, rec, "type", entity_types, &type) ||
        !get_text(l, path, rec, "description", false, SUMMARY_MAX_BYTES, &description))
        return false;
    json_t *aliases = json_object_get(rec, "aliases");
    if (aliases != NULL && !json_is_array(aliases))
        return fail(l, DB_INVALID, path, "\"aliases\" must be an array of names");
    if (!choose_slug(l, path, rec, KIND_ENTITY, name, "entity", slug))
        return false;

    text_fold(name, key, sizeof key);
    sqlite3_stmt *st = conn_stmt(l->db, "INSERT INTO entities (slug, name, name_key, type, description)"
                                        " VALUES (?, ?, ?, ?, ?)");
    if (st == NULL)
        return sql_failed(l, path);
    conn_bind_text(st, 1, slug);
    conn_bind_text(st, 2, name);
    conn_bind_text(st, 3, key);
    conn_bind_text(st, 4, type);
    conn_bind_text(st, 5, description);
    if (!run_insert(l, path, st))
        return false;
    int64_t id = sqlite3_last_insert_rowid(l->db->handle);

    size_t i;
    json_t *alias;
    json_array_foreach(aliases, i, alias) {
        char alias_path[160];
        const char *text;
        snprintf(alias_path, sizeof alias_path, "%s.aliases[%zu]", path, i);
        json_t *holder = json_pack("{s:O}", "alias", alias);
        bool ok = holder != NULL &&
                  get_text(l, alias_path, holder, "alias", true, NAME_MAX_BYTES, &text) &&
                  insert_alias(l, alias_path, id, (int)i, text);
        json_decref(holder);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- articles ---------------------------------------------------------- */

static const char *const article_keys[] = {"slug", "title", "source", "url", "published_at",
                                           "summary", "body", "mentions", NULL};

static bool load_mentions(struct loader *l, const char *path, int64_t article_id,
                          const json_t *mentions)
{
    static const char *const mention_keys[] = {"entity", "count", NULL};
    size_t i;
    json_t *m;

    if (mentions == NULL)
        return true;
    if (!json_is_array(mentions))
        return fail(l, DB_INVALID, path, "\"mentions\" must be an array");
    json_array_foreach(mentions, i, m) {
        char mpath[160];
        int64_t entity_id;
        snprintf(mpath, sizeof mpath, "%s.mentions[%zu]", path, i);
        if (!check_keys(l, mpath, m, mention_keys) ||
            !get_ref(l, mpath, json_object_get(m, "entity"), KIND_ENTITY, "entity", &entity_id))
            return false;
        json_t *count = json_object_get(m, "count");
        json_int_t n = count == NULL ? 1 : json_is_integer(count) ? json_integer_value(count) : -1;
        if (n < 1 || n > 1000000)
            return fail(l, DB_INVALID, mpath, "\"count\" must be a positive integer");
        sqlite3_stmt *st = conn_stmt(l->db, "INSERT INTO mentions (article_id, entity_id, count, published_at)"
                                            " SELECT ?1, ?2, ?3, published_at FROM articles WHERE id = ?1");
        if (st == NULL)
            return sql_failed(l, mpath);
        sqlite3_bind_int64(st, 1, article_id);
        sqlite3_bind_int64(st, 2, entity_id);
        sqlite3_bind_int64(st, 3, n);
        if (sqlite3_step(st) != SQLITE_DONE) {
            bool duplicate = (sqlite3_extended_errcode(l->db->handle) & 0xff) == SQLITE_CONSTRAINT;
            conn_done(st);
            if (duplicate)
                return fail(l, DB_INVALID, mpath, "the entity is listed twice");
            return sql_failed(l, mpath);
        }
        conn_done(st);
    }
    return true;
}

static bool load_article(struct loader *l, const char *path, const json_t *rec)
{
    const char *title, *source, *url, *published_at, *summary, *body;
    char slug[SLUG_BUF];

    if (!check_keys(l, path, rec, article_keys) ||
        !get_text(l, path, rec, "title", true, TITLE_MAX_BYTES, &title) ||
        !get_text(l, path, rec, "source", true, NAME_MAX_BYTES, &source) ||
        !get_text(l, path, rec, "url", false, URL_MAX_BYTES, &url) ||
        !get_text(l, path, rec, "published_at", true, 32, &published_at) ||
        !get_text(l, path, rec, "summary", false, SUMMARY_MAX_BYTES, &summary) ||
        !get_text(l, path, rec, "body", true, BODY_MAX_BYTES, &body))
        return false;
    if (!text_is_timestamp(published_at))
        return fail(l, DB_INVALID, path,
                    "\"published_at\" must be a date (YYYY-MM-DD) or a UTC time"
                    " (YYYY-MM-DDTHH:MM:SSZ)");
    if (url != NULL && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return fail(l, DB_INVALID, path, "\"url\" must be an http or https URL");
    if (!choose_slug(l, path, rec, KIND_ARTICLE, title, "article", slug))
        return false;

    sqlite3_stmt *st = conn_stmt(l->db, "INSERT INTO articles (slug, title, source, url, published_at,"
                                        " summary, body) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (st == NULL)
        return sql_failed(l, path);
    const char *values[] = {slug, title, source, url, published_at, summary, body};
    for (int i = 0; i < 7; i++)
        conn_bind_text(st, i + 1, values[i]);
    if (!run_insert(l, path, st))
        return false;
    return load_mentions(l, path, sqlite3_last_insert_rowid(l->db->handle),
                         json_object_get(rec, "mentions"));
}

/* ---- quotes ------------------------------------------------------------ */

static const char *const quote_keys[] = {"slug", "article", "speaker", "text", NULL};

static bool load_quote(struct loader *l, const char *path, const json_t *rec)
{
    const char *text;
    int64_t article_id, speaker_id;
    char slug[SLUG_BUF], basis[96];

    char article_path[96], speaker_path[96];
    snprintf(article_path, sizeof article_path, "%s.article", path);
    snprintf(speaker_path, sizeof speaker_path, "%s.speaker", path);
    if (!check_keys(l, path, rec, quote_keys) ||
        !get_ref(l, article_path, json_object_get(rec, "article"), KIND_ARTICLE, "article",
                 &article_id) ||
        !get_ref(l, speaker_path, json_object_get(rec, "speaker"), KIND_ENTITY, "entity",
                 &speaker_id) ||
        !get_text(l, path, rec, "text", true, QUOTE_MAX_BYTES, &text))
        return false;
    /* A quote's slug starts from its opening words: readable and usually
     * unique; the suffix settles the rest. */
    snprintf(basis, sizeof basis, "%s", text);
    if (!choose_slug(l, path, rec, KIND_QUOTE, basis, "quote", slug))
        return false;

    sqlite3_stmt *st = conn_stmt(l->db, "INSERT INTO quotes (slug, article_id, speaker_id, text)"
                                        " VALUES (?, ?, ?, ?)");
    if (st == NULL)
        return sql_failed(l, path);
    conn_bind_text(st, 1, slug);
    sqlite3_bind_int64(st, 2, article_id);
    sqlite3_bind_int64(st, 3, speaker_id);
    conn_bind_text(st, 4, text);
    return run_insert(l, path, st);
}

/* ---- agreements -------------------------------------------------------- */

static const char *const agreement_keys[] = {"slug", "title", "kind", "status", "signed_on",
                                             "summary", "parties", "signatories", "supersedes",
                                             "articles", NULL};
static const char *const agreement_kinds[] = {"memorandum", "treaty", "accord", "plan",
                                              "deal", "agreement", NULL};
static const char *const agreement_statuses[] = {"proposed", "signed", "pending_ratification",
                                                 "in_force", "superseded", "expired", NULL};

/* Inserts (agreement, ref) rows for each element of rec[key]. */
static bool load_links(struct loader *l, const char *path, int64_t agreement_id,
                       const json_t *rec, const char *key, enum db_kind kind, const char *what,
                       const char *sql)
{
    json_t *refs = json_object_get(rec, key);
    size_t i;
    json_t *ref;

    if (refs == NULL || json_is_null(refs))
        return true;
    if (!json_is_array(refs))
        return fail(l, DB_INVALID, path, "\"%s\" must be an array", key);
    json_array_foreach(refs, i, ref) {
        char rpath[160];
        int64_t id;
        snprintf(rpath, sizeof rpath, "%s.%s[%zu]", path, key, i);
        if (!get_ref(l, rpath, ref, kind, what, &id))
            return false;
        sqlite3_stmt *st = conn_stmt(l->db, sql);
        if (st == NULL)
            return sql_failed(l, rpath);
        sqlite3_bind_int64(st, 1, agreement_id);
        sqlite3_bind_int64(st, 2, id);
        /* Only the party and signatory links keep a position. */
        if (sqlite3_bind_parameter_count(st) >= 3)
            sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
        if (sqlite3_step(st) != SQLITE_DONE) {
            bool duplicate = (sqlite3_extended_errcode(l->db->handle) & 0xff) == SQLITE_CONSTRAINT;
            conn_done(st);
            return duplicate ? fail(l, DB_INVALID, rpath, "listed twice") : sql_failed(l, rpath);
        }
        conn_done(st);
    }
    return true;
}

static bool load_agreement(struct loader *l, const char *path, const json_t *rec, int64_t *id)
{
    const char *title, *kind, *status, *signed_on, *summary;
    char slug[SLUG_BUF];

    if (!check_keys(l, path, rec, agreement_keys) ||
        !get_text(l, path, rec, "title", true, TITLE_MAX_BYTES, &title) ||
        !get_enum(l, path, rec, "kind", agreement_kinds, &kind) ||
        !get_enum(l, path, rec, "status", agreement_statuses, &status) ||
        !get_text(l, path, rec, "signed_on", false, 16, &signed_on) ||
        !get_text(l, path, rec, "summary", false, SUMMARY_MAX_BYTES, &summary))
        return false;
    if (signed_on != NULL && !text_is_date(signed_on))
        return fail(l, DB_INVALID, path, "\"signed_on\" must be a date (YYYY-MM-DD) or null");
    if (!choose_slug(l, path, rec, KIND_AGREEMENT, title, "agreement", slug))
        return false;

    sqlite3_stmt *st = conn_stmt(l->db, "INSERT INTO agreements (slug, title, kind, status, signed_on,"
                                        " summary) VALUES (?, ?, ?, ?, ?, ?)");
    if (st == NULL)
        return sql_failed(l, path);
    const char *values[] = {slug, title, kind, status, signed_on, summary};
    for (int i = 0; i < 6; i++)
        conn_bind_text(st, i + 1, values[i]);
    if (!run_insert(l, path, st))
        return false;
    *id = sqlite3_last_insert_rowid(l->db->handle);

    return load_links(l, path, *id, rec, "parties", KIND_ENTITY, "entity",
                      "INSERT INTO agreement_parties (agreement_id, entity_id, position)"
                      " VALUES (?, ?, ?)") &&
           load_links(l, path, *id, rec, "signatories", KIND_ENTITY, "entity",
                      "INSERT INTO agreement_signatories (agreement_id, entity_id, position)"
                      " VALUES (?, ?, ?)") &&
           load_links(l, path, *id, rec, "articles", KIND_ARTICLE, "article",
                      "INSERT INTO agreement_articles (agreement_id, article_id) VALUES (?1, ?2)");
}

/* True if following supersedes links from `start` comes back to it. */
static int supersedes_cycle(struct db *db, int64_t start)
{
    sqlite3_stmt *st = conn_stmt(db, "WITH RECURSIVE chain (id, depth) AS ("
                                     "  SELECT supersedes_id, 1 FROM agreements WHERE id = ?1"
                                     "  UNION ALL SELECT g.supersedes_id, c.depth + 1"
                                     "  FROM chain c JOIN agreements g ON g.id = c.id"
                                     "  WHERE c.id <> ?1 AND c.depth < 10000)"
                                     " SELECT 1 FROM chain WHERE id = ?1 LIMIT 1");
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, start);
    int step = sqlite3_step(st);
    conn_done(st);
    return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

/* Supersedes links go in after every agreement of the document exists, so
 * a record may name a later one. */
static bool link_supersedes(struct loader *l, const char *path, const json_t *rec, int64_t id)
{
    json_t *older = json_object_get(rec, "supersedes");
    int64_t older_id;
    char spath[160];

    if (older == NULL || json_is_null(older))
        return true;
    snprintf(spath, sizeof spath, "%s.supersedes", path);
    if (!get_ref(l, spath, older, KIND_AGREEMENT, "agreement", &older_id))
        return false;
    if (older_id == id)
        return fail(l, DB_INVALID, spath, "an agreement cannot supersede itself");
    sqlite3_stmt *st = conn_stmt(l->db, "UPDATE agreements SET supersedes_id = ? WHERE id = ?");
    if (st == NULL)
        return sql_failed(l, spath);
    sqlite3_bind_int64(st, 1, older_id);
    sqlite3_bind_int64(st, 2, id);
    if (!run_insert(l, spath, st))
        return false;
    int cycle = supersedes_cycle(l->db, id);
    if (cycle < 0)
        return sql_failed(l, spath);
    if (cycle)
        return fail(l, DB_CONFLICT, spath, "supersedes links would form a cycle");
    return true;
}

/* ---- the document ------------------------------------------------------ */

static bool load_section(struct loader *l, const json_t *dataset, const char *name,
                         bool (*load)(struct loader *, const char *, const json_t *), int *count)
{
    json_t *records = json_object_get(dataset, name);
    size_t i;
    json_t *rec;

    if (records == NULL)
        return true;
    if (!json_is_array(records))
        return fail(l, DB_INVALID, name, "must be an array");
    json_array_foreach(records, i, rec) {
        char path[64];
        snprintf(path, sizeof path, "%s[%zu]", name, i);
        if (!load(l, path, rec))
            return false;
        (*count)++;
    }
    return true;
}

static bool load_agreements(struct loader *l, const json_t *dataset, int *count)
{
    json_t *records = json_object_get(dataset, "agreements");
    size_t n = json_array_size(records);
    int64_t *ids = NULL;
    bool ok = false;
    char path[64];

    if (records == NULL)
        return true;
    if (!json_is_array(records))
        return fail(l, DB_INVALID, "agreements", "must be an array");
    ids = calloc(n ? n : 1, sizeof *ids);
    if (ids == NULL)
        return fail(l, DB_ERR, "agreements", "out of memory");
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "agreements[%zu]", i);
        if (!load_agreement(l, path, json_array_get(records, i), &ids[i]))
            goto done;
        (*count)++;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "agreements[%zu]", i);
        if (!link_supersedes(l, path, json_array_get(records, i), ids[i]))
            goto done;
    }
    ok = true;
done:
    free(ids);
    return ok;
}

enum db_status db_dataset_load(struct store *store, const json_t *dataset,
                               struct dataset_counts *counts, char *err, size_t errlen)
{
    static const char *const sections[] = {"entities", "articles", "quotes", "agreements", NULL};
    struct loader l = {.status = DB_ERR, .err = err, .errlen = errlen};
    struct dataset_counts n = {0};
    bool in_transaction = false, ok = false;

    snprintf(err, errlen, "unknown error");
    l.db = store_writer_begin(store);
    if (l.db == NULL) {
        snprintf(err, errlen, "the store is read-only");
        return DB_READ_ONLY;
    }
    if (!check_keys(&l, "document", dataset, sections))
        goto done;
    if (conn_exec(l.db, "BEGIN IMMEDIATE") != DB_OK) {
        sql_failed(&l, "document");
        goto done;
    }
    in_transaction = true;
    /* Order follows the references: articles name entities, quotes name
     * both, agreements name all three. */
    if (!load_section(&l, dataset, "entities", load_entity, &n.entities) ||
        !load_section(&l, dataset, "articles", load_article, &n.articles) ||
        !load_section(&l, dataset, "quotes", load_quote, &n.quotes) ||
        !load_agreements(&l, dataset, &n.agreements))
        goto done;
    if (conn_exec(l.db, "COMMIT") != DB_OK) {
        sql_failed(&l, "document");
        goto done;
    }
    in_transaction = false;
    ok = true;
done:
    if (in_transaction)
        conn_exec(l.db, "ROLLBACK");
    store_writer_end(store);
    if (!ok)
        return l.status == DB_OK ? DB_ERR : l.status;
    if (counts != NULL)
        *counts = n;
    err[0] = '\0';
    return DB_OK;
}
