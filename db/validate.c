#include "db/validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "db/text.h"

bool record_fail(struct record_error *err, enum db_status status, const char *field,
                 const char *fmt, ...)
{
    va_list ap;
    err->status = status;
    snprintf(err->field, sizeof err->field, "%s", field != NULL ? field : "");
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

bool validate_sql_failed(struct db *db, const char *field, struct record_error *err)
{
    enum db_status status = conn_status(db, sqlite3_extended_errcode(db->handle));
    if (status == DB_OK || status == DB_INVALID || status == DB_CONFLICT)
        status = DB_ERR; /* a constraint we did not check first is our bug */
    return record_fail(err, status, field, "could not be stored");
}

bool validate_keys(const json_t *rec, const char *const *allowed, struct record_error *err)
{
    const char *key;
    json_t *value;
    if (!json_is_object(rec))
        return record_fail(err, DB_INVALID, NULL, "the record must be a JSON object");
    json_object_foreach((json_t *)rec, key, value) {
        bool known = false;
        for (const char *const *a = allowed; *a != NULL && !known; a++)
            known = strcmp(*a, key) == 0;
        if (!known)
            return record_fail(err, DB_INVALID, key, "is not a field of this record");
    }
    return true;
}

bool validate_text(const json_t *rec, const char *key, bool required, size_t max,
                   const char **out, struct record_error *err)
{
    json_t *value = json_object_get(rec, key);
    *out = NULL;
    if (value == NULL || json_is_null(value)) {
        if (required)
            return record_fail(err, DB_INVALID, key, "is required");
        return true;
    }
    if (!json_is_string(value))
        return record_fail(err, DB_INVALID, key, "must be a string");
    size_t len = json_string_length(value);
    const char *text = json_string_value(value);
    if (len == 0 || strspn(text, " \t\r\n") == len)
        return record_fail(err, DB_INVALID, key, "must not be empty");
    if (len > max)
        return record_fail(err, DB_INVALID, key, "must be at most %zu bytes", max);
    /* jansson has checked UTF-8 already; this also catches NUL (\u0000)
     * and control characters that have no place in stored text. */
    if (!text_is_clean_utf8(text, len))
        return record_fail(err, DB_INVALID, key, "must be UTF-8 text without control characters");
    *out = text;
    return true;
}

bool validate_enum(const json_t *rec, const char *key, const char *const *values,
                   const char **out, struct record_error *err)
{
    if (!validate_text(rec, key, true, 64, out, err))
        return false;
    for (const char *const *v = values; *v != NULL; v++)
        if (strcmp(*v, *out) == 0)
            return true;
    char allowed[200] = "";
    for (const char *const *v = values; *v != NULL; v++) {
        size_t used = strlen(allowed);
        snprintf(allowed + used, sizeof allowed - used, "%s%s", *v, v[1] ? ", " : "");
    }
    return record_fail(err, DB_INVALID, key, "must be one of: %s", allowed);
}

static const char *kind_name(enum db_kind kind)
{
    static const char *const names[] = {[KIND_ARTICLE] = "article", [KIND_ENTITY] = "entity",
                                        [KIND_AGREEMENT] = "agreement", [KIND_QUOTE] = "quote"};
    return names[kind];
}

bool validate_ref(struct db *db, const json_t *value, enum db_kind kind, const char *field,
                  int64_t *id, struct record_error *err)
{
    char ref[32];
    const char *text = ref;
    if (json_is_integer(value) && json_integer_value(value) > 0)
        snprintf(ref, sizeof ref, "%lld", (long long)json_integer_value(value));
    else if (json_is_string(value) && json_string_length(value) > 0)
        text = json_string_value(value);
    else
        return record_fail(err, DB_INVALID, field, "must be the slug or id of an %s",
                           kind_name(kind));

    switch (db_resolve(db, kind, text, id)) {
    case DB_OK: return true;
    case DB_NOT_FOUND:
        return record_fail(err, DB_BAD_REF, field, "no %s has the slug or id \"%.64s\"",
                           kind_name(kind), text);
    default: return validate_sql_failed(db, field, err);
    }
}

static const char *const slug_owner_sql[] = {
    [KIND_ARTICLE] = "SELECT id FROM articles WHERE slug = ?",
    [KIND_ENTITY] = "SELECT id FROM entities WHERE slug = ?",
    [KIND_AGREEMENT] = "SELECT id FROM agreements WHERE slug = ?",
    [KIND_QUOTE] = "SELECT id FROM quotes WHERE slug = ?",
};

/* The id of the record holding `slug`: 0 when free, -1 on error. */
static int64_t slug_owner(struct db *db, enum db_kind kind, const char *slug)
{
    sqlite3_stmt *st = conn_stmt(db, slug_owner_sql[kind]);
    if (st == NULL)
        return -1;
    conn_bind_text(st, 1, slug);
    int step = sqlite3_step(st);
    int64_t owner = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : step == SQLITE_DONE ? 0 : -1;
    conn_done(st);
    return owner;
}

static const char *const next_id_sql[] = {
    [KIND_ARTICLE] = "SELECT coalesce(max(id), 0) + 1 FROM articles",
    [KIND_ENTITY] = "SELECT coalesce(max(id), 0) + 1 FROM entities",
    [KIND_AGREEMENT] = "SELECT coalesce(max(id), 0) + 1 FROM agreements",
    [KIND_QUOTE] = "SELECT coalesce(max(id), 0) + 1 FROM quotes",
};

/* The id the next record of kind will most likely get; -1 on error. */
static int64_t next_id(struct db *db, enum db_kind kind)
{
    sqlite3_stmt *st = conn_stmt(db, next_id_sql[kind]);
    if (st == NULL)
        return -1;
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    conn_done(st);
    return id;
}

bool validate_slug(struct db *db, const json_t *rec, enum db_kind kind, const char *basis,
                   const char *fallback, int64_t self, char out[SLUG_BUF],
                   struct record_error *err)
{
    json_t *given = json_object_get(rec, "slug");
    if (given != NULL && !json_is_null(given)) {
        if (!json_is_string(given) || !text_is_slug(json_string_value(given)))
            return record_fail(err, DB_INVALID, "slug",
                               "must be lower-case letters, digits and single hyphens, not only"
                               " digits, at most 120 bytes");
        snprintf(out, SLUG_BUF, "%s", json_string_value(given));
        int64_t owner = slug_owner(db, kind, out);
        if (owner < 0)
            return validate_sql_failed(db, "slug", err);
        if (owner != 0 && owner != self)
            return record_fail(err, DB_CONFLICT, "slug", "\"%s\" is taken by another %s", out,
                               kind_name(kind));
        return true;
    }

    char base[SLUG_BUF - 12];
    text_slugify(basis, fallback, base, sizeof base);
    snprintf(out, SLUG_BUF, "%s", base);
    /* -2 to -5 read best; past them (quotes that open alike pile up) the
     * suffix is the id the record is about to get, free in one query
     * instead of one query per suffix already taken. */
    for (int n = 2; n < 7; n++) {
        int64_t owner = slug_owner(db, kind, out);
        if (owner < 0)
            return validate_sql_failed(db, "slug", err);
        if (owner == 0 || owner == self)
            return true;
        snprintf(out, SLUG_BUF, "%s-%d", base, n);
    }
    int64_t id = next_id(db, kind);
    if (id < 0)
        return validate_sql_failed(db, "slug", err);
    for (int n = 0; n < 1000 && id + n < 999999999; n++) {
        snprintf(out, SLUG_BUF, "%s-%d", base, (int)(id + n));
        int64_t owner = slug_owner(db, kind, out);
        if (owner < 0)
            return validate_sql_failed(db, "slug", err);
        if (owner == 0 || owner == self)
            return true;
    }
    return record_fail(err, DB_CONFLICT, "slug", "no free slug for \"%s\"", base);
}
