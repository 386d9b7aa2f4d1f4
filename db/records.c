#include "db/records.h"

#include <stdio.h>
#include <string.h>

#include "db/listing.h"
#include "db/text.h"
#include "db/validate.h"
#include "db/vocabulary.h"


/* Steps a write statement to completion and resets it. */
static bool run_write(struct db *w, sqlite3_stmt *st, const char *field, struct record_error *err)
{
    if (st == NULL)
        return validate_sql_failed(w, field, err);
    int step = sqlite3_step(st);
    conn_done(st);
    return step == SQLITE_DONE ? true : validate_sql_failed(w, field, err);
}

/* Binds values[0..n) (NULL binds SQL NULL) to ?1..?n, then ?n+1 = id when
 * id is not 0 (the WHERE of an UPDATE). */
static sqlite3_stmt *prepare_row(struct db *w, const char *sql, const char *const *values, int n,
                                 int64_t id)
{
    sqlite3_stmt *st = conn_stmt(w, sql);
    if (st == NULL)
        return NULL;
    for (int i = 0; i < n; i++)
        conn_bind_text(st, i + 1, values[i]);
    if (id != 0)
        sqlite3_bind_int64(st, n + 1, id);
    return st;
}

/* Runs a one-parameter statement (usually a DELETE of links) for id. */
static bool run_for_id(struct db *w, const char *sql, int64_t id, struct record_error *err)
{
    sqlite3_stmt *st = conn_stmt(w, sql);
    if (st != NULL)
        sqlite3_bind_int64(st, 1, id);
    return run_write(w, st, NULL, err);
}

/* ---- entities ---------------------------------------------------------- */

static const char *const entity_keys[] = {"slug", "name", "type", "aliases", "description", NULL};

bool record_add_alias(struct db *w, int64_t id, const char *alias, struct record_error *err)
{
    char key[NAME_MAX_BYTES + 1];
    text_fold(alias, key, sizeof key);
    /* One alias per folded spelling, never the entity's own name: "NATO"
     * and "Nato" are one alias. */
    sqlite3_stmt *st = conn_stmt(
        w, "INSERT INTO entity_aliases (entity_id, position, alias, alias_key)"
           " SELECT ?1, coalesce((SELECT max(position) + 1 FROM entity_aliases"
           "   WHERE entity_id = ?1), 0), ?2, ?3"
           " WHERE NOT EXISTS (SELECT 1 FROM entity_aliases WHERE alias_key = ?3 AND entity_id = ?1)"
           " AND NOT EXISTS (SELECT 1 FROM entities WHERE id = ?1 AND name_key = ?3)");
    if (st == NULL)
        return validate_sql_failed(w, "aliases", err);
    sqlite3_bind_int64(st, 1, id);
    conn_bind_text(st, 2, alias);
    conn_bind_text(st, 3, key);
    return run_write(w, st, "aliases", err);
}

bool record_alias_room(struct db *w, int64_t id, size_t adding, struct record_error *err)
{
    sqlite3_stmt *st = conn_stmt(w, "SELECT count(*) FROM entity_aliases WHERE entity_id = ?");
    if (st == NULL)
        return validate_sql_failed(w, "aliases", err);
    sqlite3_bind_int64(st, 1, id);
    int64_t have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    conn_done(st);
    if (have < 0)
        return validate_sql_failed(w, "aliases", err);
    if ((size_t)have + adding > RECORD_ALIASES_MAX)
        return record_fail(err, DB_INVALID, "aliases", "an entity has at most %d aliases",
                           RECORD_ALIASES_MAX);
    return true;
}

static bool write_aliases(struct db *w, int64_t id, const json_t *aliases,
                          struct record_error *err)
{
    if (aliases != NULL && !json_is_null(aliases) && !json_is_array(aliases))
        return record_fail(err, DB_INVALID, "aliases", "must be an array of names");
    if (json_array_size(aliases) > RECORD_ALIASES_MAX)
        return record_fail(err, DB_INVALID, "aliases", "an entity has at most %d aliases",
                           RECORD_ALIASES_MAX);
    if (!run_for_id(w, "DELETE FROM entity_aliases WHERE entity_id = ?", id, err))
        return false;
    return record_add_aliases(w, id, aliases, err);
}

bool record_add_aliases(struct db *w, int64_t id, const json_t *aliases, struct record_error *err)
{
    size_t i;
    json_t *alias;
    json_array_foreach(aliases, i, alias) {
        char field[32];
        const char *text;
        snprintf(field, sizeof field, "aliases[%zu]", i);
        /* validate_text reads a field of an object: lend it one. */
        json_t *holder = json_pack("{s:O}", field, alias);
        bool ok = holder != NULL &&
                  validate_text(holder, field, true, NAME_MAX_BYTES, &text, err) &&
                  record_add_alias(w, id, text, err);
        json_decref(holder);
        if (!ok)
            return false;
    }
    return true;
}

static bool write_entity(struct db *w, const json_t *rec, int64_t *id, struct record_error *err)
{
    const char *name, *type, *description;
    char slug[SLUG_BUF], key[NAME_MAX_BYTES + 1];

    if (!validate_keys(rec, entity_keys, err) ||
        !validate_text(rec, "name", true, NAME_MAX_BYTES, &name, err) ||
        !validate_enum(rec, "type", db_entity_types, &type, err) ||
        !validate_text(rec, "description", false, SUMMARY_MAX_BYTES, &description, err) ||
        !validate_slug(w, rec, KIND_ENTITY, name, "entity", *id, slug, err))
        return false;
    text_fold(name, key, sizeof key);
    const char *values[] = {slug, name, key, type, description};
    sqlite3_stmt *st =
        *id == 0 ? prepare_row(w, "INSERT INTO entities (slug, name, name_key, type, description,"
                                  " version) VALUES (?, ?, ?, ?, ?, (SELECT version FROM store_meta))", values, 5, 0)
                 : prepare_row(w, "UPDATE entities SET slug = ?, name = ?, name_key = ?, type = ?,"
                                  " description = ?, version = (SELECT version FROM store_meta),"
                                  " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
                                  " WHERE id = ?", values, 5, *id);
    if (!run_write(w, st, NULL, err))
        return false;
    if (*id == 0)
        *id = sqlite3_last_insert_rowid(w->handle);
    return write_aliases(w, *id, json_object_get(rec, "aliases"), err);
}

/* ---- articles ---------------------------------------------------------- */

static const char *const article_keys[] = {"slug", "title", "source", "url", "published_at",
                                           "summary", "body", "mentions", NULL};
static const char *const mention_keys[] = {"entity", "count", "spans", NULL};
static const char *const span_keys[] = {"field", "start", "end", NULL};

/* The article's title and body lengths in code points: SQLite's length()
 * counts characters, the unit of every offset. */
static bool field_lengths(struct db *w, int64_t article_id, int64_t *title, int64_t *body,
                          struct record_error *err)
{
    sqlite3_stmt *st = conn_stmt(w, "SELECT length(title), length(body) FROM articles WHERE id = ?");
    if (st == NULL)
        return validate_sql_failed(w, NULL, err);
    sqlite3_bind_int64(st, 1, article_id);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        *title = sqlite3_column_int64(st, 0);
        *body = sqlite3_column_int64(st, 1);
    }
    conn_done(st);
    return found ? true : record_fail(err, DB_NOT_FOUND, NULL, "no such article");
}

/* An offset pair [start, end) within a field of `length` code points. */
static bool valid_offsets(const json_t *start, const json_t *end, int64_t length,
                          const char *field, struct record_error *err)
{
    char name[96];
    if (!json_is_integer(start) || json_integer_value(start) < 0 ||
        json_integer_value(start) >= length) {
        snprintf(name, sizeof name, "%s.start", field);
        return record_fail(err, DB_INVALID, name, "must be an offset into the text, from 0 to %lld",
                           (long long)(length > 0 ? length - 1 : 0));
    }
    if (!json_is_integer(end) || json_integer_value(end) <= json_integer_value(start) ||
        json_integer_value(end) > length) {
        snprintf(name, sizeof name, "%s.end", field);
        return record_fail(err, DB_INVALID, name, "must be after start and at most %lld",
                           (long long)length);
    }
    return true;
}

/* Where the article names the entity: [{field, start, end}]. */
static bool write_spans(struct db *w, int64_t article_id, int64_t entity_id, const json_t *spans,
                        const char *field, struct record_error *err)
{
    int64_t title_len = 0, body_len = 0;
    size_t i;
    json_t *span;

    if (spans == NULL || json_is_null(spans))
        return true;
    if (!json_is_array(spans) || json_array_size(spans) > RECORD_LINKS_MAX)
        return record_fail(err, DB_INVALID, field, "must be an array of at most %d {field, start, end}",
                           RECORD_LINKS_MAX);
    if (json_array_size(spans) > 0 && !field_lengths(w, article_id, &title_len, &body_len, err))
        return false;
    json_array_foreach(spans, i, span) {
        char at[96];
        snprintf(at, sizeof at, "%s[%zu]", field, i);
        if (!json_is_object(span))
            return record_fail(err, DB_INVALID, at, "must be {\"field\", \"start\", \"end\"}");
        if (!validate_keys(span, span_keys, err)) {
            char inner[64];
            snprintf(inner, sizeof inner, "%.63s", err->field);
            snprintf(err->field, sizeof err->field, "%.60s.%.63s", at, inner);
            return false;
        }
        const char *which = json_string_value(json_object_get(span, "field"));
        if (which == NULL)
            which = "body";
        if (strcmp(which, "body") != 0 && strcmp(which, "title") != 0) {
            char name[110];
            snprintf(name, sizeof name, "%s.field", at);
            return record_fail(err, DB_INVALID, name, "must be \"title\" or \"body\"");
        }
        if (!valid_offsets(json_object_get(span, "start"), json_object_get(span, "end"),
                           which[0] == 't' ? title_len : body_len, at, err))
            return false;
        sqlite3_stmt *st = conn_stmt(w, "INSERT OR IGNORE INTO mention_spans (article_id, entity_id,"
                                        " field, span_start, span_end) VALUES (?, ?, ?, ?, ?)");
        if (st == NULL)
            return validate_sql_failed(w, at, err);
        sqlite3_bind_int64(st, 1, article_id);
        sqlite3_bind_int64(st, 2, entity_id);
        conn_bind_text(st, 3, which);
        sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(span, "start")));
        sqlite3_bind_int64(st, 5, json_integer_value(json_object_get(span, "end")));
        int step = sqlite3_step(st);
        conn_done(st);
        if (step != SQLITE_DONE)
            return validate_sql_failed(w, at, err);
    }
    return true;
}

/* `replacing`: the article had mentions before (an update), which go
 * first. A new article has none: deleting them anyway cost every import an
 * ephemeral table per article (the mentions trigger makes SQLite collect the
 * rows before deleting them). */
static bool write_mentions(struct db *w, int64_t id, const json_t *mentions, bool replacing,
                           struct record_error *err)
{
    size_t i;
    json_t *m;

    if (mentions != NULL && !json_is_null(mentions) && !json_is_array(mentions))
        return record_fail(err, DB_INVALID, "mentions", "must be an array");
    if (json_array_size(mentions) > RECORD_LINKS_MAX)
        return record_fail(err, DB_INVALID, "mentions", "an article names at most %d entities",
                           RECORD_LINKS_MAX);
    /* The triggers take the old counts off the entities before the new
     * mentions add theirs. */
    if (replacing && (!run_for_id(w, "DELETE FROM mentions WHERE article_id = ?", id, err) ||
                      !run_for_id(w, "DELETE FROM mention_spans WHERE article_id = ?", id, err)))
        return false;
    json_array_foreach(mentions, i, m) {
        char field[48];
        int64_t entity_id;
        snprintf(field, sizeof field, "mentions[%zu]", i);
        if (!json_is_object(m))
            return record_fail(err, DB_INVALID, field, "must be {\"entity\": ..., \"count\": n}");
        if (!validate_keys(m, mention_keys, err)) {
            /* The unknown key is the field; say where it sits. */
            char inner[64];
            snprintf(inner, sizeof inner, "%.63s", err->field);
            snprintf(err->field, sizeof err->field, "%s.%.63s", field, inner);
            return false;
        }
        snprintf(field, sizeof field, "mentions[%zu].entity", i);
        if (!validate_ref(w, json_object_get(m, "entity"), KIND_ENTITY, field, &entity_id, err))
            return false;
        json_t *count = json_object_get(m, "count");
        json_int_t n = count == NULL ? 1 : json_is_integer(count) ? json_integer_value(count) : -1;
        snprintf(field, sizeof field, "mentions[%zu].count", i);
        if (n < 1 || n > 1000000)
            return record_fail(err, DB_INVALID, field, "must be an integer from 1 to 1000000");
        sqlite3_stmt *st = conn_stmt(w, "INSERT INTO mentions (article_id, entity_id, count,"
                                        " published_at) SELECT ?1, ?2, ?3, published_at"
                                        " FROM articles WHERE id = ?1");
        if (st == NULL)
            return validate_sql_failed(w, field, err);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, entity_id);
        sqlite3_bind_int64(st, 3, n);
        int step = sqlite3_step(st);
        bool duplicate = (sqlite3_extended_errcode(w->handle) & 0xff) == SQLITE_CONSTRAINT;
        conn_done(st);
        if (step != SQLITE_DONE) {
            snprintf(field, sizeof field, "mentions[%zu].entity", i);
            return duplicate ? record_fail(err, DB_INVALID, field, "is listed twice")
                             : validate_sql_failed(w, field, err);
        }
        snprintf(field, sizeof field, "mentions[%zu].spans", i);
        if (!write_spans(w, id, entity_id, json_object_get(m, "spans"), field, err))
            return false;
    }
    return true;
}

/* Offsets count code points of the body as it was. An update that changes
 * the body keeps a quote's or an agreement's offsets only where the new
 * body reads the same over them: elsewhere they would point at other text,
 * and the store could no longer import its own export. Runs before the
 * article row changes, while the old body is there to compare with. (Mention
 * spans travel in the record itself; db_record_patch sorts those.) */
static bool clear_moved_offsets(struct db *w, int64_t id, const char *body,
                                struct record_error *err)
{
    static const char *const sql[] = {
        "UPDATE quotes SET span_start = NULL, span_end = NULL WHERE article_id = ?2"
        " AND span_start IS NOT NULL AND substr(?1, span_start + 1, span_end - span_start)"
        " IS NOT substr((SELECT body FROM articles WHERE id = ?2), span_start + 1,"
        " span_end - span_start)",
        "UPDATE agreement_articles SET span_start = NULL, span_end = NULL WHERE article_id = ?2"
        " AND span_start IS NOT NULL AND substr(?1, span_start + 1, span_end - span_start)"
        " IS NOT substr((SELECT body FROM articles WHERE id = ?2), span_start + 1,"
        " span_end - span_start)",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (!run_write(w, prepare_row(w, sql[i], &body, 1, id), "body", err))
            return false;
    return true;
}

static bool write_article(struct db *w, const json_t *rec, int64_t *id, struct record_error *err)
{
    const char *title, *source, *url, *published_at, *summary, *body;
    char slug[SLUG_BUF];

    if (!validate_keys(rec, article_keys, err) ||
        !validate_text(rec, "title", true, TITLE_MAX_BYTES, &title, err) ||
        !validate_text(rec, "source", true, NAME_MAX_BYTES, &source, err) ||
        !validate_text(rec, "url", false, URL_MAX_BYTES, &url, err) ||
        !validate_text(rec, "published_at", true, 32, &published_at, err) ||
        !validate_text(rec, "summary", false, SUMMARY_MAX_BYTES, &summary, err) ||
        !validate_text(rec, "body", true, BODY_MAX_BYTES, &body, err))
        return false;
    if (!text_is_timestamp(published_at))
        return record_fail(err, DB_INVALID, "published_at",
                           "must be a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDTHH:MM:SSZ)");
    if (url != NULL && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return record_fail(err, DB_INVALID, "url", "must be an http or https URL");
    if (!validate_slug(w, rec, KIND_ARTICLE, title, "article", *id, slug, err))
        return false;

    if (*id != 0 && !clear_moved_offsets(w, *id, body, err))
        return false;
    const char *values[] = {slug, title, source, url, published_at, summary, body};
    sqlite3_stmt *st =
        *id == 0 ? prepare_row(w, "INSERT INTO articles (slug, title, source, url, published_at,"
                                  " summary, body, version) VALUES (?, ?, ?, ?, ?, ?, ?,"
                                  " (SELECT version FROM store_meta))", values, 7, 0)
                 : prepare_row(w, "UPDATE articles SET slug = ?, title = ?, source = ?, url = ?,"
                                  " published_at = ?, summary = ?, body = ?, version = (SELECT version FROM store_meta),"
                                  " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
                                  " WHERE id = ?", values, 7, *id);
    if (!run_write(w, st, NULL, err))
        return false;
    bool replacing = *id != 0;
    if (!replacing)
        *id = sqlite3_last_insert_rowid(w->handle);
    return write_mentions(w, *id, json_object_get(rec, "mentions"), replacing, err);
}

/* ---- quotes ------------------------------------------------------------ */

static const char *const quote_keys[] = {"slug", "article", "speaker", "text", "start", "end",
                                         NULL};

/* Where the quote stands in its article's body; both or neither. */
static bool write_quote_offsets(struct db *w, int64_t id, int64_t article_id, const json_t *rec,
                                struct record_error *err)
{
    const json_t *start = json_object_get(rec, "start"), *end = json_object_get(rec, "end");
    int64_t title_len, body_len;
    bool given = (start != NULL && !json_is_null(start)) || (end != NULL && !json_is_null(end));

    if (given && (!field_lengths(w, article_id, &title_len, &body_len, err) ||
                  !valid_offsets(start, end, body_len, "quote", err))) {
        /* "quote.start" reads better as the record's own field. */
        if (strncmp(err->field, "quote.", 6) == 0)
            memmove(err->field, err->field + 6, strlen(err->field + 6) + 1);
        return false;
    }
    sqlite3_stmt *st = conn_stmt(w, "UPDATE quotes SET span_start = ?2, span_end = ?3 WHERE id = ?1");
    if (st == NULL)
        return validate_sql_failed(w, "start", err);
    sqlite3_bind_int64(st, 1, id);
    if (given) {
        sqlite3_bind_int64(st, 2, json_integer_value(start));
        sqlite3_bind_int64(st, 3, json_integer_value(end));
    }
    int step = sqlite3_step(st);
    conn_done(st);
    return step == SQLITE_DONE ? true : validate_sql_failed(w, "start", err);
}

static bool write_quote(struct db *w, const json_t *rec, int64_t *id, struct record_error *err)
{
    const char *text;
    int64_t article_id, speaker_id;
    char slug[SLUG_BUF], basis[96];

    if (!validate_keys(rec, quote_keys, err) ||
        !validate_ref(w, json_object_get(rec, "article"), KIND_ARTICLE, "article", &article_id,
                      err) ||
        !validate_ref(w, json_object_get(rec, "speaker"), KIND_ENTITY, "speaker", &speaker_id,
                      err) ||
        !validate_text(rec, "text", true, QUOTE_MAX_BYTES, &text, err))
        return false;
    /* A quote's slug starts from its opening words: readable, and usually
     * unique; the suffix settles the rest. */
    snprintf(basis, sizeof basis, "%s", text);
    if (!validate_slug(w, rec, KIND_QUOTE, basis, "quote", *id, slug, err))
        return false;

    sqlite3_stmt *st = conn_stmt(w, *id == 0 ? "INSERT INTO quotes (slug, article_id, speaker_id,"
                                               " text, version) VALUES (?1, ?2, ?3, ?4,"
                                               " (SELECT version FROM store_meta))"
                                             : "UPDATE quotes SET slug = ?1, article_id = ?2,"
                                               " speaker_id = ?3, text = ?4,"
                                               " version = (SELECT version FROM store_meta), updated_at ="
                                               " strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
                                               " WHERE id = ?5");
    if (st != NULL) {
        conn_bind_text(st, 1, slug);
        sqlite3_bind_int64(st, 2, article_id);
        sqlite3_bind_int64(st, 3, speaker_id);
        conn_bind_text(st, 4, text);
        if (*id != 0)
            sqlite3_bind_int64(st, 5, *id);
    }
    if (!run_write(w, st, NULL, err))
        return false;
    if (*id == 0)
        *id = sqlite3_last_insert_rowid(w->handle);
    return write_quote_offsets(w, *id, article_id, rec, err);
}

/* ---- agreements -------------------------------------------------------- */

static const char *const agreement_keys[] = {"slug", "title", "kind", "status", "signed_on",
                                             "summary", "parties", "signatories", "supersedes",
                                             "articles", NULL};

struct link_table {
    const char *key;      /* the field of the record */
    enum db_kind kind;    /* what it names */
    const char *clear;    /* DELETE of the agreement's links */
    const char *insert;   /* (agreement, other, position) */
};

static const struct link_table agreement_links[] = {
    {"parties", KIND_ENTITY, "DELETE FROM agreement_parties WHERE agreement_id = ?",
     "INSERT INTO agreement_parties (agreement_id, entity_id, position) VALUES (?1, ?2, ?3)"},
    {"signatories", KIND_ENTITY, "DELETE FROM agreement_signatories WHERE agreement_id = ?",
     "INSERT INTO agreement_signatories (agreement_id, entity_id, position) VALUES (?1, ?2, ?3)"},
    {"articles", KIND_ARTICLE, "DELETE FROM agreement_articles WHERE agreement_id = ?",
     "INSERT INTO agreement_articles (agreement_id, article_id) VALUES (?1, ?2)"},
};

static const char *const evidence_keys[] = {"article", "start", "end", NULL};

/* Where the article reports the agreement: an item of `articles` may be
 * {"article", "start", "end"}, offsets into that article's body (both or
 * neither), which is how extraction's evidence survives a PATCH and an
 * export. `at` names the item, e.g. "articles[2]". */
static bool write_evidence(struct db *w, int64_t agreement_id, int64_t article_id,
                           const json_t *item, const char *at, struct record_error *err)
{
    const json_t *start = json_object_get(item, "start"), *end = json_object_get(item, "end");
    int64_t title_len, body_len;

    if ((start == NULL || json_is_null(start)) && (end == NULL || json_is_null(end)))
        return true;
    if (!field_lengths(w, article_id, &title_len, &body_len, err) ||
        !valid_offsets(start, end, body_len, at, err))
        return false;
    sqlite3_stmt *st = conn_stmt(w, "UPDATE agreement_articles SET span_start = ?3, span_end = ?4"
                                    " WHERE agreement_id = ?1 AND article_id = ?2");
    if (st == NULL)
        return validate_sql_failed(w, at, err);
    sqlite3_bind_int64(st, 1, agreement_id);
    sqlite3_bind_int64(st, 2, article_id);
    sqlite3_bind_int64(st, 3, json_integer_value(start));
    sqlite3_bind_int64(st, 4, json_integer_value(end));
    return run_write(w, st, at, err);
}

static bool write_links(struct db *w, int64_t id, const json_t *rec, const struct link_table *t,
                        struct record_error *err)
{
    json_t *refs = json_object_get(rec, t->key);
    size_t i;
    json_t *item;

    if (refs != NULL && !json_is_null(refs) && !json_is_array(refs))
        return record_fail(err, DB_INVALID, t->key, "must be an array of slugs or ids");
    if (json_array_size(refs) > RECORD_LINKS_MAX)
        return record_fail(err, DB_INVALID, t->key, "holds at most %d references",
                           RECORD_LINKS_MAX);
    if (!run_for_id(w, t->clear, id, err))
        return false;
    json_array_foreach(refs, i, item) {
        char at[48], field[64];
        int64_t other;
        const json_t *ref = item;
        snprintf(at, sizeof at, "%.20s[%zu]", t->key, i);
        snprintf(field, sizeof field, "%s", at);
        if (t->kind == KIND_ARTICLE && json_is_object(item)) {
            if (!validate_keys(item, evidence_keys, err)) {
                char inner[64];
                snprintf(inner, sizeof inner, "%.63s", err->field);
                snprintf(err->field, sizeof err->field, "%s.%.63s", at, inner);
                return false;
            }
            ref = json_object_get(item, "article");
            snprintf(field, sizeof field, "%s.article", at);
        }
        if (!validate_ref(w, ref, t->kind, field, &other, err))
            return false;
        sqlite3_stmt *st = conn_stmt(w, t->insert);
        if (st == NULL)
            return validate_sql_failed(w, field, err);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, other);
        /* Only parties and signatories keep an order. */
        if (sqlite3_bind_parameter_count(st) >= 3)
            sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
        int step = sqlite3_step(st);
        bool duplicate = (sqlite3_extended_errcode(w->handle) & 0xff) == SQLITE_CONSTRAINT;
        conn_done(st);
        if (step != SQLITE_DONE)
            return duplicate ? record_fail(err, DB_INVALID, field, "is listed twice")
                             : validate_sql_failed(w, field, err);
        if (ref != item && !write_evidence(w, id, other, item, at, err))
            return false;
    }
    return true;
}

static bool write_agreement(struct db *w, const json_t *rec, bool defer_supersedes, int64_t *id,
                            struct record_error *err)
{
    const char *title, *kind, *status, *signed_on, *summary;
    char slug[SLUG_BUF];

    if (!validate_keys(rec, agreement_keys, err) ||
        !validate_text(rec, "title", true, TITLE_MAX_BYTES, &title, err) ||
        !validate_enum(rec, "kind", db_agreement_kinds, &kind, err) ||
        !validate_enum(rec, "status", db_agreement_statuses, &status, err) ||
        !validate_text(rec, "signed_on", false, 16, &signed_on, err) ||
        !validate_text(rec, "summary", false, SUMMARY_MAX_BYTES, &summary, err))
        return false;
    if (signed_on != NULL && !text_is_date(signed_on))
        return record_fail(err, DB_INVALID, "signed_on", "must be a date (YYYY-MM-DD) or null");
    if (!validate_slug(w, rec, KIND_AGREEMENT, title, "agreement", *id, slug, err))
        return false;

    const char *values[] = {slug, title, kind, status, signed_on, summary};
    sqlite3_stmt *st =
        *id == 0 ? prepare_row(w, "INSERT INTO agreements (slug, title, kind, status, signed_on,"
                                  " summary, version) VALUES (?, ?, ?, ?, ?, ?,"
                                  " (SELECT version FROM store_meta))", values, 6, 0)
                 : prepare_row(w, "UPDATE agreements SET slug = ?, title = ?, kind = ?, status = ?,"
                                  " signed_on = ?, summary = ?, version = (SELECT version FROM store_meta),"
                                  " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
                                  " WHERE id = ?", values, 6, *id);
    if (!run_write(w, st, NULL, err))
        return false;
    if (*id == 0)
        *id = sqlite3_last_insert_rowid(w->handle);
    for (size_t i = 0; i < sizeof agreement_links / sizeof agreement_links[0]; i++)
        if (!write_links(w, *id, rec, &agreement_links[i], err))
            return false;
    if (defer_supersedes)
        return true;
    return record_link_supersedes(w, *id, json_object_get(rec, "supersedes"), true, err);
}

/* 1 if following supersedes links from `start` comes back to it, 0 if not,
 * -1 on error. */
static int supersedes_cycle(struct db *w, int64_t start)
{
    sqlite3_stmt *st = conn_stmt(w, "WITH RECURSIVE chain (id, depth) AS ("
                                    "  SELECT supersedes_id, 1 FROM agreements WHERE id = ?1"
                                    "  UNION ALL SELECT g.supersedes_id, c.depth + 1"
                                    "  FROM chain c JOIN agreements g ON g.id = c.id"
                                    "  WHERE c.id <> ?1 AND c.depth < 100000)"
                                    " SELECT 1 FROM chain WHERE id = ?1 LIMIT 1");
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, start);
    int step = sqlite3_step(st);
    conn_done(st);
    return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

bool record_link_supersedes(struct db *w, int64_t id, const json_t *ref, bool mark_older,
                            struct record_error *err)
{
    int64_t older = 0;
    sqlite3_stmt *st;

    if (ref != NULL && !json_is_null(ref)) {
        if (!validate_ref(w, ref, KIND_AGREEMENT, "supersedes", &older, err))
            return false;
        if (older == id)
            return record_fail(err, DB_CONFLICT, "supersedes", "an agreement cannot supersede itself");
    }
    /* Only a change bumps the version: rewriting the same link is not an
     * edit of the record. */
    st = conn_stmt(w, "UPDATE agreements SET supersedes_id = ?1 WHERE id = ?2"
                      " AND supersedes_id IS NOT ?1");
    if (st != NULL) {
        if (older != 0)
            sqlite3_bind_int64(st, 1, older);
        else
            sqlite3_bind_null(st, 1);
        sqlite3_bind_int64(st, 2, id);
    }
    if (!run_write(w, st, "supersedes", err))
        return false;
    bool changed = sqlite3_changes(w->handle) > 0;
    if (older == 0)
        return true;
    int cycle = supersedes_cycle(w, id);
    if (cycle < 0)
        return validate_sql_failed(w, "supersedes", err);
    if (cycle)
        return record_fail(err, DB_CONFLICT, "supersedes", "the supersedes links would form a cycle");
    /* What a newer agreement replaces is, by that fact, superseded: when
     * the link is made, not each time the newer one is edited (a status
     * set by hand afterwards stands). */
    if (!changed || !mark_older)
        return true;
    st = conn_stmt(w, "UPDATE agreements SET status = 'superseded', version = (SELECT version FROM store_meta),"
                      " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
                      " WHERE id = ? AND status <> 'superseded'");
    if (st != NULL)
        sqlite3_bind_int64(st, 1, older);
    return run_write(w, st, "supersedes", err);
}

/* ---- dispatch ---------------------------------------------------------- */

static bool write_record(struct db *w, enum db_kind kind, const json_t *rec,
                         bool defer_supersedes, int64_t *id, struct record_error *err)
{
    memset(err, 0, sizeof *err);
    switch (kind) {
    case KIND_ENTITY: return write_entity(w, rec, id, err);
    case KIND_ARTICLE: return write_article(w, rec, id, err);
    case KIND_QUOTE: return write_quote(w, rec, id, err);
    case KIND_AGREEMENT: return write_agreement(w, rec, defer_supersedes, id, err);
    }
    return record_fail(err, DB_ERR, NULL, "unknown kind of record");
}

bool record_insert(struct db *w, enum db_kind kind, const json_t *rec, bool defer_supersedes,
                   int64_t *id, struct record_error *err)
{
    *id = 0;
    return write_record(w, kind, rec, defer_supersedes, id, err);
}

bool record_update(struct db *w, enum db_kind kind, int64_t id, const json_t *rec,
                   struct record_error *err)
{
    return write_record(w, kind, rec, false, &id, err);
}

/* ---- export ------------------------------------------------------------ */

static const char *const export_sql[] = {
    [KIND_ENTITY] =
        "SELECT json_object('slug', e.slug, 'name', e.name, 'type', e.type,"
        " 'aliases', (SELECT json_group_array(alias) FROM (SELECT alias FROM entity_aliases"
        "   WHERE entity_id = e.id ORDER BY position)),"
        " 'description', e.description) FROM entities e WHERE e.id = ?",
    [KIND_ARTICLE] =
        "SELECT json_object('slug', a.slug, 'title', a.title, 'source', a.source, 'url', a.url,"
        " 'published_at', a.published_at, 'summary', a.summary, 'body', a.body,"
        " 'mentions', (SELECT json_group_array(json_object('entity', slug, 'count', count,"
        "     'spans', json(spans)))"
        "   FROM (SELECT e.slug, m.count, (SELECT json_group_array(json_object('field', field,"
        "       'start', span_start, 'end', span_end)) FROM (SELECT field, span_start, span_end"
        "       FROM mention_spans s WHERE s.article_id = m.article_id AND s.entity_id = m.entity_id"
        "       ORDER BY field DESC, span_start)) AS spans"
        "   FROM mentions m JOIN entities e ON e.id = m.entity_id"
        "   WHERE m.article_id = a.id ORDER BY m.count DESC, e.slug)))"
        " FROM articles a WHERE a.id = ?",
    [KIND_QUOTE] =
        "SELECT json_object('slug', q.slug, 'article', a.slug, 'speaker', e.slug, 'text', q.text,"
        " 'start', q.span_start, 'end', q.span_end)"
        " FROM quotes q JOIN articles a ON a.id = q.article_id"
        " JOIN entities e ON e.id = q.speaker_id WHERE q.id = ?",
    [KIND_AGREEMENT] =
        "SELECT json_object('slug', g.slug, 'title', g.title, 'kind', g.kind, 'status', g.status,"
        " 'signed_on', g.signed_on, 'summary', g.summary,"
        " 'parties', (SELECT json_group_array(slug) FROM (SELECT e.slug FROM agreement_parties p"
        "   JOIN entities e ON e.id = p.entity_id WHERE p.agreement_id = g.id ORDER BY p.position)),"
        " 'signatories', (SELECT json_group_array(slug) FROM (SELECT e.slug"
        "   FROM agreement_signatories s JOIN entities e ON e.id = s.entity_id"
        "   WHERE s.agreement_id = g.id ORDER BY s.position)),"
        " 'supersedes', (SELECT o.slug FROM agreements o WHERE o.id = g.supersedes_id),"
        /* A slug, or {article, start, end} where the article's offsets are
         * known: exports of stores without extraction stay as they were. */
        " 'articles', (SELECT json_group_array(CASE WHEN span_start IS NULL THEN slug"
        "   ELSE json_object('article', slug, 'start', span_start, 'end', span_end) END)"
        "   FROM (SELECT a.slug, x.span_start, x.span_end FROM agreement_articles x"
        "   JOIN articles a ON a.id = x.article_id WHERE x.agreement_id = g.id ORDER BY a.id)))"
        " FROM agreements g WHERE g.id = ?",
};

json_t *record_export(struct db *db, enum db_kind kind, int64_t id, struct record_error *err)
{
    sqlite3_stmt *st = conn_stmt(db, export_sql[kind]);
    json_t *rec = NULL;

    memset(err, 0, sizeof *err);
    if (st == NULL) {
        validate_sql_failed(db, NULL, err);
        return NULL;
    }
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        /* SQLite builds the document in one statement; the text is parsed
         * back so callers can merge into it. */
        rec = json_loads(conn_col_text(st, 0), 0, NULL);
        if (rec == NULL)
            record_fail(err, DB_ERR, NULL, "could not read the record back");
    } else if (step == SQLITE_DONE) {
        record_fail(err, DB_NOT_FOUND, NULL, "no such record");
    } else {
        validate_sql_failed(db, NULL, err);
    }
    conn_done(st);
    return rec;
}

/* ---- delete ------------------------------------------------------------ */

static const char *const delete_sql[] = {
    [KIND_ENTITY] = "DELETE FROM entities WHERE id = ?",
    [KIND_ARTICLE] = "DELETE FROM articles WHERE id = ?",
    [KIND_QUOTE] = "DELETE FROM quotes WHERE id = ?",
    [KIND_AGREEMENT] = "DELETE FROM agreements WHERE id = ?",
};

bool record_delete(struct db *w, enum db_kind kind, int64_t id, struct record_error *err)
{
    memset(err, 0, sizeof *err);
    if (kind == KIND_ENTITY) {
        /* Quotes keep their speaker: deleting one would silently drop what
         * was said. Merging moves the quotes to another entity first. */
        sqlite3_stmt *st = conn_stmt(w, "SELECT count(*) FROM quotes WHERE speaker_id = ?");
        if (st == NULL)
            return validate_sql_failed(w, NULL, err);
        sqlite3_bind_int64(st, 1, id);
        int64_t quotes = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        conn_done(st);
        if (quotes < 0)
            return validate_sql_failed(w, NULL, err);
        if (quotes > 0)
            return record_fail(err, DB_CONFLICT, NULL,
                               "the entity is the speaker of %lld quotes; delete them or merge"
                               " the entity into another first", (long long)quotes);
    }
    sqlite3_stmt *st = conn_stmt(w, delete_sql[kind]);
    if (st == NULL)
        return validate_sql_failed(w, NULL, err);
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    int changed = sqlite3_changes(w->handle);
    conn_done(st);
    if (step != SQLITE_DONE)
        return validate_sql_failed(w, NULL, err);
    if (changed == 0)
        return record_fail(err, DB_NOT_FOUND, NULL, "no such record");
    return true;
}
