#include "db/writes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/conn.h"
#include "db/records.h"
#include "db/text.h"
#include "db/validate.h"

/* Answers to idempotent POSTs are kept this long. */
#define IDEMPOTENCY_TTL_SECONDS (24 * 60 * 60)

bool db_record_create(struct db *w, enum db_kind kind, const json_t *rec, int64_t *id,
                      struct record_error *err)
{
    return record_insert(w, kind, rec, false, id, err);
}

/* RFC 7396: objects merge key by key, null removes a key, anything else
 * replaces the target value whole. Returns a new value. */
static json_t *merge_patch(const json_t *target, const json_t *patch)
{
    if (!json_is_object(patch))
        return json_deep_copy(patch);
    json_t *result = json_is_object(target) ? json_deep_copy(target) : json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)patch, key, value) {
        if (json_is_null(value)) {
            json_object_del(result, key);
            continue;
        }
        json_object_set_new(result, key, merge_patch(json_object_get(result, key), value));
    }
    return result;
}

/* 1 when text a and text b read the same over code points [start, end), 0
 * when not, -1 when the store fails. SQLite's substr counts characters,
 * the unit of every offset. */
static int same_slice(struct db *w, const char *a, const char *b, json_int_t start, json_int_t end)
{
    sqlite3_stmt *st =
        conn_stmt(w, "SELECT substr(?1, ?3 + 1, ?4 - ?3) IS substr(?2, ?3 + 1, ?4 - ?3)");
    if (st == NULL)
        return -1;
    conn_bind_text(st, 1, a);
    conn_bind_text(st, 2, b);
    sqlite3_bind_int64(st, 3, start);
    sqlite3_bind_int64(st, 4, end);
    int same = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    conn_done(st);
    return same;
}

/* A patch that changes an article's title or body but does not send its
 * own mentions carries the stored spans over: keep those whose slice of the
 * field reads the same after the change (a typo fixed elsewhere leaves the
 * evidence standing) and leave out the others, which would point at other
 * text. Quotes and agreements get the same rule in record_update. */
static bool carry_spans_over(struct db *w, const json_t *current, json_t *merged,
                             const json_t *patch, struct record_error *err)
{
    size_t i;
    json_t *m;
    if (json_object_get(patch, "mentions") != NULL)
        return true;
    json_array_foreach(json_object_get(merged, "mentions"), i, m) {
        json_t *spans = json_object_get(m, "spans");
        for (size_t k = 0; k < json_array_size(spans);) {
            const json_t *span = json_array_get(spans, k);
            const char *field = json_string_value(json_object_get(span, "field"));
            field = field != NULL && strcmp(field, "title") == 0 ? "title" : "body";
            const char *was = json_string_value(json_object_get(current, field));
            const char *now = json_string_value(json_object_get(merged, field));
            int same;
            if (now == NULL)
                same = 0; /* cleared or not text: validation will name it */
            else if (was != NULL && strcmp(was, now) == 0)
                same = 1;
            else
                same = same_slice(w, was, now, json_integer_value(json_object_get(span, "start")),
                                  json_integer_value(json_object_get(span, "end")));
            if (same < 0)
                return validate_sql_failed(w, NULL, err);
            if (same)
                k++;
            else
                json_array_remove(spans, k);
        }
    }
    return true;
}

bool db_record_patch(struct db *w, enum db_kind kind, int64_t id, const json_t *patch,
                     struct record_error *err)
{
    if (!json_is_object(patch))
        return record_fail(err, DB_INVALID, NULL, "a merge patch must be a JSON object");
    json_t *current = record_export(w, kind, id, err);
    if (current == NULL)
        return false;
    json_t *merged = merge_patch(current, patch);
    bool ok = merged == NULL
                  ? record_fail(err, DB_ERR, NULL, "out of memory")
                  : (kind != KIND_ARTICLE || carry_spans_over(w, current, merged, patch, err)) &&
                        record_update(w, kind, id, merged, err);
    json_decref(merged);
    json_decref(current);
    return ok;
}

bool db_record_delete(struct db *w, enum db_kind kind, int64_t id, struct record_error *err)
{
    return record_delete(w, kind, id, err);
}

static const char *const version_sql[] = {
    [KIND_ARTICLE] = "SELECT version FROM articles WHERE id = ?",
    [KIND_ENTITY] = "SELECT version FROM entities WHERE id = ?",
    [KIND_AGREEMENT] = "SELECT version FROM agreements WHERE id = ?",
    [KIND_QUOTE] = "SELECT version FROM quotes WHERE id = ?",
};

enum db_status db_record_version(struct db *db, enum db_kind kind, int64_t id, int64_t *version)
{
    sqlite3_stmt *st = conn_stmt(db, version_sql[kind]);
    if (st == NULL)
        return DB_ERR;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    enum db_status rc = step == SQLITE_ROW ? DB_OK : step == SQLITE_DONE ? DB_NOT_FOUND
                                                                        : conn_status(db, step);
    if (rc == DB_OK)
        *version = sqlite3_column_int64(st, 0);
    conn_done(st);
    return rc;
}

/* Runs sql with ?1 = a and ?2 = b to completion. */
static bool run_pair(struct db *w, const char *sql, int64_t a, int64_t b, struct record_error *err)
{
    sqlite3_stmt *st = conn_stmt(w, sql);
    if (st == NULL)
        return validate_sql_failed(w, NULL, err);
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    int step = sqlite3_step(st);
    conn_done(st);
    return step == SQLITE_DONE ? true : validate_sql_failed(w, NULL, err);
}

static bool touch_entity(struct db *w, int64_t id, struct record_error *err)
{
    return run_pair(w, "UPDATE entities SET version = (SELECT version FROM store_meta),"
                       " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1 AND ?2",
                    id, 1, err);
}

bool db_entity_add_aliases(struct db *w, int64_t id, const json_t *aliases,
                           struct record_error *err)
{
    if (!json_is_array(aliases) || json_array_size(aliases) == 0)
        return record_fail(err, DB_INVALID, "aliases", "must be a non-empty array of names");
    return record_alias_room(w, id, json_array_size(aliases), err) &&
           record_add_aliases(w, id, aliases, err) && touch_entity(w, id, err);
}

bool db_entity_merge(struct db *w, int64_t from, int64_t into, struct record_error *err)
{
    if (from == into)
        return record_fail(err, DB_CONFLICT, "into", "an entity cannot be merged into itself");

    /* Keep the old name and aliases first, while the old entity exists. */
    json_t *old = record_export(w, KIND_ENTITY, from, err);
    if (old == NULL)
        return false;
    if (!record_alias_room(w, into, 1 + json_array_size(json_object_get(old, "aliases")), err)) {
        json_decref(old);
        return false;
    }
    bool ok = record_add_alias(w, into, json_string_value(json_object_get(old, "name")), err);
    size_t i;
    json_t *alias;
    json_array_foreach(json_object_get(old, "aliases"), i, alias)
        if (ok)
            ok = record_add_alias(w, into, json_string_value(alias), err);
    json_decref(old);
    if (!ok)
        return false;

    /* The records whose links change are changed records: their versions
     * move, so an If-Match taken before the merge no longer holds. */
    if (!run_pair(w, "UPDATE articles SET version = (SELECT version FROM store_meta)"
                     " WHERE id IN (SELECT article_id FROM mentions WHERE entity_id = ?1) AND ?2",
                  from, 1, err) ||
        !run_pair(w, "UPDATE agreements SET version = (SELECT version FROM store_meta)"
                     " WHERE id IN (SELECT agreement_id FROM agreement_parties WHERE entity_id = ?1"
                     "   UNION SELECT agreement_id FROM agreement_signatories WHERE entity_id = ?1)"
                     " AND ?2",
                  from, 1, err))
        return false;

    /* Where both were mentioned in one article, the counts add up; the
     * mention triggers keep both entities' totals right throughout. */
    return run_pair(w, "UPDATE mentions SET count = count + (SELECT o.count FROM mentions o"
                       "   WHERE o.article_id = mentions.article_id AND o.entity_id = ?1)"
                       " WHERE entity_id = ?2 AND article_id IN"
                       "   (SELECT article_id FROM mentions WHERE entity_id = ?1)",
                    from, into, err) &&
           run_pair(w, "UPDATE OR IGNORE mentions SET entity_id = ?2 WHERE entity_id = ?1", from,
                    into, err) &&
           run_pair(w, "UPDATE OR IGNORE mention_spans SET entity_id = ?2 WHERE entity_id = ?1",
                    from, into, err) &&
           run_pair(w, "UPDATE quotes SET speaker_id = ?2, version = (SELECT version FROM store_meta),"
                       " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE speaker_id = ?1",
                    from, into, err) &&
           run_pair(w, "UPDATE OR IGNORE agreement_parties SET entity_id = ?2 WHERE entity_id = ?1",
                    from, into, err) &&
           run_pair(w, "UPDATE OR IGNORE agreement_signatories SET entity_id = ?2"
                       " WHERE entity_id = ?1",
                    from, into, err) &&
           /* What is left of `from` duplicated links `into` already had;
            * deleting the entity cascades them away. */
           run_pair(w, "DELETE FROM entities WHERE id = ?1 AND ?2", from, 1, err) &&
           touch_entity(w, into, err);
}

enum db_status db_idempotency_find(struct db *w, const char *key, const char *scope,
                                   const char *request_hash, struct idempotent_reply *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = conn_stmt(w, "SELECT request_hash, status, location, body"
                                    " FROM idempotency_keys WHERE key = ? AND scope = ?"
                                    " AND created_at > ?");
    if (st == NULL)
        return DB_ERR;
    conn_bind_text(st, 1, key);
    conn_bind_text(st, 2, scope);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL) - IDEMPOTENCY_TTL_SECONDS);
    int step = sqlite3_step(st);
    enum db_status rc = DB_OK;
    if (step == SQLITE_ROW) {
        const char *location = conn_col_text(st, 2);
        out->found = true;
        out->same_request = strcmp(conn_col_text(st, 0), request_hash) == 0;
        out->status = sqlite3_column_int(st, 1);
        out->location = location ? strdup(location) : NULL;
        out->body = strdup(conn_col_text(st, 3));
        if (out->body == NULL)
            rc = DB_ERR;
    } else if (step != SQLITE_DONE) {
        rc = conn_status(w, step);
    }
    conn_done(st);
    return rc;
}

enum db_status db_idempotency_save(struct db *w, const char *key, const char *scope,
                                   const char *request_hash, int status, const char *location,
                                   const char *body)
{
    sqlite3_int64 now = (sqlite3_int64)time(NULL);
    sqlite3_stmt *st = conn_stmt(w, "DELETE FROM idempotency_keys WHERE created_at <= ?");
    if (st == NULL)
        return DB_ERR;
    sqlite3_bind_int64(st, 1, now - IDEMPOTENCY_TTL_SECONDS);
    int step = sqlite3_step(st);
    conn_done(st);
    if (step != SQLITE_DONE)
        return conn_status(w, step);

    st = conn_stmt(w, "INSERT OR REPLACE INTO idempotency_keys"
                      " (key, scope, request_hash, status, location, body, created_at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (st == NULL)
        return DB_ERR;
    conn_bind_text(st, 1, key);
    conn_bind_text(st, 2, scope);
    conn_bind_text(st, 3, request_hash);
    sqlite3_bind_int(st, 4, status);
    conn_bind_text(st, 5, location);
    conn_bind_text(st, 6, body);
    sqlite3_bind_int64(st, 7, now);
    step = sqlite3_step(st);
    conn_done(st);
    return step == SQLITE_DONE ? DB_OK : conn_status(w, step);
}

void idempotent_reply_free(struct idempotent_reply *reply)
{
    free(reply->location);
    free(reply->body);
    memset(reply, 0, sizeof *reply);
}

bool db_entity_resolve_ref(struct db *db, const json_t *ref, const char *field, int64_t *id,
                           struct record_error *err)
{
    return validate_ref(db, ref, KIND_ENTITY, field, id, err);
}
