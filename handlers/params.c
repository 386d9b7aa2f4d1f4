#include "handlers/params.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "db/text.h"
#include "server/cursor.h"

static const char *kind_name(enum db_kind kind)
{
    switch (kind) {
    case KIND_ARTICLE: return "article";
    case KIND_ENTITY: return "entity";
    case KIND_AGREEMENT: return "agreement";
    case KIND_QUOTE: return "quote";
    }
    return "record";
}

bool params_only(const struct request *req, struct reply *rep, const char *const *allowed)
{
    /* Every paginated list (the ones that take a cursor) also takes
     * ?fields=, which reply_page applies. */
    bool is_list = false;
    for (const char *const *a = allowed; *a != NULL; a++)
        is_list |= strcmp(*a, "cursor") == 0;
    for (size_t i = 0; i < req->query->count; i++) {
        const char *name = req->query->params[i].name;
        bool known = is_list && strcmp(name, "fields") == 0;
        for (const char *const *a = allowed; *a != NULL && !known; a++)
            known = strcmp(*a, name) == 0;
        if (!known) {
            char detail[160];
            snprintf(detail, sizeof detail, "unknown parameter; this endpoint takes: ");
            for (const char *const *a = allowed; *a != NULL; a++) {
                size_t used = strlen(detail);
                snprintf(detail + used, sizeof detail - used, "%s%s", *a, a[1] ? ", " : "");
            }
            if (allowed[0] == NULL)
                snprintf(detail, sizeof detail, "unknown parameter; this endpoint takes none");
            reply_problem(rep, 400, name, detail);
            return false;
        }
    }
    return true;
}

bool params_limit(const struct request *req, struct reply *rep, int *limit)
{
    const char *text = query_get(req->query, "limit");
    long long value;
    *limit = LIMIT_DEFAULT;
    if (text == NULL)
        return true;
    if (!text_parse_id(text, &value) || value > LIMIT_MAX) {
        reply_problem(rep, 400, "limit", "must be an integer from 1 to 100");
        return false;
    }
    *limit = (int)value;
    return true;
}

bool params_cursor(const struct request *req, struct reply *rep, const char *tag,
                   bool (*key_ok)(const char *key), struct keyset *after)
{
    const char *text = query_get(req->query, "cursor");
    after->set = false;
    if (text == NULL)
        return true;
    if (!cursor_decode(text, tag, after) || (key_ok != NULL && !key_ok(after->key))) {
        reply_problem(rep, 400, "cursor",
                      "is not a cursor of this list; pass next_cursor from the previous page as is");
        return false;
    }
    return true;
}

bool params_date(const struct request *req, struct reply *rep, const char *name,
                 const char **out)
{
    *out = query_get(req->query, name);
    if (*out != NULL && !text_is_date(*out)) {
        reply_problem(rep, 400, name, "must be a date written YYYY-MM-DD");
        return false;
    }
    return true;
}

bool params_date_range(const struct request *req, struct reply *rep, const char **since,
                       const char **until)
{
    if (!params_date(req, rep, "since", since) || !params_date(req, rep, "until", until))
        return false;
    if (*since != NULL && *until != NULL && strcmp(*until, *since) < 0) {
        reply_problem(rep, 400, "until", "must not be before since");
        return false;
    }
    return true;
}

bool params_enum(const struct request *req, struct reply *rep, const char *name,
                 const char *const *values, const char **out)
{
    *out = query_get(req->query, name);
    if (*out == NULL)
        return true;
    for (const char *const *v = values; *v != NULL; v++)
        if (strcmp(*v, *out) == 0)
            return true;
    char detail[200];
    snprintf(detail, sizeof detail, "must be one of: ");
    for (const char *const *v = values; *v != NULL; v++) {
        size_t used = strlen(detail);
        snprintf(detail + used, sizeof detail - used, "%s%s", *v, v[1] ? ", " : "");
    }
    reply_problem(rep, 400, name, detail);
    return false;
}

bool params_text(const struct request *req, struct reply *rep, const char *name, size_t max,
                 const char **out)
{
    *out = query_get(req->query, name);
    if (*out != NULL && ((*out)[0] == '\0' || strlen(*out) > max)) {
        char detail[80];
        snprintf(detail, sizeof detail, "must be 1 to %zu bytes of text", max);
        reply_problem(rep, 400, name, detail);
        return false;
    }
    return true;
}

bool params_ref(const struct request *req, struct reply *rep, const char *name, enum db_kind kind,
                int64_t *id)
{
    const char *ref = query_get(req->query, name);
    char detail[120];
    *id = 0;
    if (ref == NULL)
        return true;
    long long numeric;
    if (!text_parse_id(ref, &numeric) && !text_is_slug(ref)) {
        snprintf(detail, sizeof detail, "must be the id or slug of an %s", kind_name(kind));
        reply_problem(rep, 400, name, detail);
        return false;
    }
    enum db_status rc = db_resolve(req->db, kind, ref, id);
    if (rc == DB_OK)
        return true;
    if (rc == DB_NOT_FOUND) {
        snprintf(detail, sizeof detail, "no %s has this id or slug", kind_name(kind));
        reply_problem(rep, 400, name, detail);
    } else {
        reply_db_error(rep, rc, kind_name(kind));
    }
    return false;
}

bool params_path_ref(const struct request *req, struct reply *rep, enum db_kind kind,
                     int64_t *id)
{
    return params_path_ref_in(req, rep, req->db, kind, id);
}

bool params_path_ref_in(const struct request *req, struct reply *rep, struct db *db,
                        enum db_kind kind, int64_t *id)
{
    char detail[120];
    long long numeric;
    if (req->id == NULL || (!text_parse_id(req->id, &numeric) && !text_is_slug(req->id))) {
        reply_problem(rep, 400, "id",
                      "must be a numeric id or a slug (lower-case letters, digits, hyphens)");
        return false;
    }
    enum db_status rc = db_resolve(db, kind, req->id, id);
    if (rc == DB_OK)
        return true;
    snprintf(detail, sizeof detail, "%s", kind_name(kind));
    reply_db_error(rep, rc, detail);
    return false;
}

/* Keeps only the fields named in `fields` (comma-separated) in each item.
 * False with a 400 in rep when the list is malformed or names a field the
 * items do not have. */
static bool project(struct reply *rep, json_t *items, const char *fields)
{
    char names[64][48];
    size_t count = 0;
    const char *p = fields;

    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        bool ok = len > 0 && len < sizeof names[0] && count < 64;
        for (size_t i = 0; ok && i < len; i++)
            ok = (p[i] >= 'a' && p[i] <= 'z') || p[i] == '_';
        if (!ok) {
            reply_problem(rep, 400, "fields", "must be field names separated by commas");
            return false;
        }
        memcpy(names[count], p, len);
        names[count++][len] = '\0';
        p += len;
        if (*p == ',' && *++p == '\0') {
            reply_problem(rep, 400, "fields", "must be field names separated by commas");
            return false;
        }
    }
    if (count == 0) {
        reply_problem(rep, 400, "fields", "must name at least one field");
        return false;
    }
    /* Items of one list share their keys: the first one tells which names
     * exist, so a typo is a 400, not a silently empty projection. */
    json_t *first = json_array_get(items, 0);
    for (size_t n = 0; first != NULL && n < count; n++) {
        if (json_object_get(first, names[n]) == NULL) {
            char detail[120];
            snprintf(detail, sizeof detail, "the items have no field \"%.47s\"", names[n]);
            reply_problem(rep, 400, "fields", detail);
            return false;
        }
    }
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        const char *key;
        json_t *value;
        void *tmp;
        json_object_foreach_safe(item, tmp, key, value) {
            bool keep = false;
            for (size_t n = 0; n < count && !keep; n++)
                keep = strcmp(names[n], key) == 0;
            if (!keep)
                json_object_del(item, key);
        }
    }
    return true;
}

int reply_page(struct reply *rep, json_t *items, const char *tag, const struct keyset *next)
{
    return reply_page_with(rep, items, tag, next, NULL);
}

int reply_page_with(struct reply *rep, json_t *items, const char *tag, const struct keyset *next,
                    json_t *extra)
{
    char cursor[CURSOR_MAX];
    json_t *page = NULL;
    if (next->set && !cursor_encode(tag, next, cursor, sizeof cursor)) {
        json_decref(items);
        json_decref(extra);
        return reply_problem(rep, 500, NULL, "could not build the next cursor");
    }
    if (rep->fields != NULL && !project(rep, items, rep->fields)) {
        json_decref(items);
        json_decref(extra);
        return rep->status;
    }
    page = json_pack("{s:o, s:s?}", "data", items, "next_cursor", next->set ? cursor : NULL);
    /* json_object_update_new takes `extra` whatever happens. */
    if (page != NULL && extra != NULL && json_object_update_new(page, extra) != 0) {
        json_decref(page);
        page = NULL;
    } else if (page == NULL) {
        json_decref(extra);
    }
    if (page == NULL)
        return reply_problem(rep, 500, NULL, "could not build the page");
    int status = reply_json(rep, 200, page);
    json_decref(page);
    if (status == 200 && next->set)
        rep->next_cursor = strdup(cursor);
    return status;
}

void etag_format(char *out, size_t len, int64_t store_version, const char *target, bool gzip)
{
    /* FNV-1a over the target: the same URL always gets the same tag at one
     * store version, and the tag is strong (RFC 9110, 8.8.3). */
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)target; *p != '\0'; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    /* "s<version>-<16 hex digits>[-gz]", written by hand: every read and
     * revalidation makes one. */
    static const char hex[] = "0123456789abcdef";
    char tag[64], digits[24];
    size_t n = 0, d = 0;
    uint64_t v = store_version > 0 ? (uint64_t)store_version : 0;
    do {
        digits[d++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    tag[n++] = '"';
    tag[n++] = 's';
    while (d > 0)
        tag[n++] = digits[--d];
    tag[n++] = '-';
    for (int shift = 60; shift >= 0; shift -= 4)
        tag[n++] = hex[(h >> shift) & 0xf];
    if (gzip) {
        memcpy(tag + n, "-gz", 3);
        n += 3;
    }
    tag[n++] = '"';
    tag[n] = '\0';
    text_copy(out, len, tag);
}

bool etag_list_matches(const char *list, const char *etag)
{
    /* If-None-Match compares weakly (RFC 9110, 13.1.2): a W/ prefix does
     * not matter. "*" is not honoured here: it asks whether the resource
     * exists, which this check, made before the answer, cannot know. */
    size_t etag_len = strlen(etag);
    for (const char *p = list; *p != '\0';) {
        p += strspn(p, " \t,");
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        size_t len = strcspn(p, ",");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len == etag_len && strncmp(p, etag, len) == 0)
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

/* Reads one of our tags, "s<version>-<16 hex>" or with "-gz", at p; the
 * version into *version. False for anything else. */
static bool parse_etag(const char *p, size_t len, long long *version)
{
    if (len < 21 || p[0] != '"' || p[1] != 's' || p[len - 1] != '"')
        return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(p + 2, &end, 10);
    if (errno != 0 || end == p + 2 || v < 0 || *end != '-')
        return false;
    size_t rest = (size_t)(p + len - 1 - (end + 1));
    if (rest != 16 && rest != 19)
        return false;
    if (strspn(end + 1, "0123456789abcdef") < 16 || (rest == 19 && strncmp(end + 17, "-gz", 3) != 0))
        return false;
    *version = v;
    return true;
}

bool etag_list_predates(const char *list, int64_t record_version)
{
    for (const char *p = list; *p != '\0';) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        long long seen;
        /* Only strong tags of ours count; a weak W/ tag never satisfies
         * If-Match (RFC 9110, 13.1.1). */
        if (parse_etag(p, len, &seen) && seen >= record_version)
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

int reply_db_error(struct reply *rep, enum db_status status, const char *what)
{
    char detail[120];
    switch (status) {
    case DB_NOT_FOUND:
        snprintf(detail, sizeof detail, "no %s has this id or slug", what);
        return reply_problem(rep, 404, NULL, detail);
    case DB_BUSY:
        reply_header(rep, "Retry-After", "1");
        return reply_problem(rep, 503, NULL, "the database is busy; retry shortly");
    case DB_UNAVAILABLE:
        reply_header(rep, "Retry-After", "5");
        return reply_problem(rep, 503, NULL,
                             "the database file cannot be written or read right now (an I/O"
                             " error, or a read-only file or file system); nothing was stored");
    case DB_FULL:
        /* Nothing was written; the write can succeed once room is made. */
        reply_header(rep, "Retry-After", "60");
        return reply_problem(rep, 507, NULL,
                             "the database has no room for this write (disk full or the"
                             " --max-db-size limit reached); nothing was stored");
    default:
        return reply_problem(rep, 500, NULL, "the database failed to answer; see the server log");
    }
}
