#include "handlers/records.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/agreements.h"
#include "db/articles.h"
#include "db/entities.h"
#include "db/extraction.h"
#include "db/quotes.h"
#include "db/text.h"
#include "db/writes.h"
#include "handlers/params.h"

/* The longest Idempotency-Key we keep; a UUID needs 36. */
#define IDEMPOTENCY_KEY_MAX 200

static const char *collection(enum db_kind kind)
{
    switch (kind) {
    case KIND_ARTICLE: return "articles";
    case KIND_ENTITY: return "entities";
    case KIND_AGREEMENT: return "agreements";
    case KIND_QUOTE: return "quotes";
    }
    return "records";
}

static const char *record_name(enum db_kind kind)
{
    switch (kind) {
    case KIND_ARTICLE: return "article";
    case KIND_ENTITY: return "entity";
    case KIND_AGREEMENT: return "agreement";
    case KIND_QUOTE: return "quote";
    }
    return "record";
}

enum db_status records_fetch(struct db *db, enum db_kind kind, int64_t id, json_t **out)
{
    switch (kind) {
    case KIND_ARTICLE: return db_article_get(db, id, out);
    case KIND_ENTITY: return db_entity_get(db, id, out);
    case KIND_AGREEMENT: return db_agreement_get(db, id, out);
    case KIND_QUOTE: return db_quote_get(db, id, out);
    }
    return DB_ERR;
}

/* True when the media type (before any ";" parameters) is `type`. */
static bool media_type_is(const char *header, const char *type)
{
    if (header == NULL)
        return false;
    size_t len = strcspn(header, "; \t");
    return len == strlen(type) && strncasecmp(header, type, len) == 0;
}

/* Duplicate keys are ambiguous; jansson's depth limit turns absurd nesting
 * into an error instead of a deep recursion. */
#define BODY_PARSE_FLAGS JSON_REJECT_DUPLICATES

json_t *records_parse_ahead(const struct request *req)
{
    if (req->body == NULL || req->body_len == 0)
        return NULL;
    json_t *parsed = json_loadb(req->body, req->body_len, BODY_PARSE_FLAGS, NULL);
    if (!json_is_object(parsed)) {
        json_decref(parsed);
        return NULL;
    }
    return parsed;
}

bool records_read_body(const struct request *req, struct reply *rep, const char *alt_type,
                     json_t **out)
{
    const char *type = req->header(req, "Content-Type");
    json_error_t jerr;

    *out = NULL;
    if (!media_type_is(type, "application/json") &&
        (alt_type == NULL || !media_type_is(type, alt_type))) {
        char detail[160];
        snprintf(detail, sizeof detail, "send the body as application/json%s%s",
                 alt_type ? " or " : "", alt_type ? alt_type : "");
        reply_problem(rep, 415, "Content-Type", detail);
        return false;
    }
    if (req->body == NULL || req->body_len == 0) {
        reply_problem(rep, 400, "body", "the request needs a JSON object as its body");
        return false;
    }
    if (req->parsed_body != NULL) {
        *out = json_incref(req->parsed_body);
        return true;
    }
    *out = json_loadb(req->body, req->body_len, BODY_PARSE_FLAGS, &jerr);
    if (*out == NULL) {
        char detail[300];
        snprintf(detail, sizeof detail, "malformed JSON at line %d, column %d: %s", jerr.line,
                 jerr.column, jerr.text);
        reply_problem(rep, 400, "body", detail);
        return false;
    }
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        reply_problem(rep, 400, "body", "the body must be a JSON object");
        return false;
    }
    return true;
}

int records_reply_error(struct reply *rep, const struct record_error *err)
{
    const char *field = err->field[0] != '\0' ? err->field : NULL;
    switch (err->status) {
    case DB_INVALID: return reply_problem(rep, 400, field ? field : "body", err->message);
    case DB_BAD_REF: return reply_problem(rep, 422, field, err->message);
    case DB_CONFLICT: return reply_problem(rep, 409, field, err->message);
    case DB_NOT_FOUND: return reply_problem(rep, 404, NULL, err->message);
    default: return reply_db_error(rep, err->status, "record");
    }
}

/* The ETag a GET of the record's canonical URL will carry once this write
 * is committed: the transaction has already bumped the version. */
static void set_written_etag(struct reply *rep, struct db *w, enum db_kind kind, const char *slug)
{
    int64_t version;
    char target[200], etag[64];
    if (db_store_version(w, &version) != DB_OK)
        return;
    snprintf(target, sizeof target, "/v1/%s/%s", collection(kind), slug);
    etag_format(etag, sizeof etag, version, target, false);
    reply_header(rep, "ETag", etag);
}

void records_set_etag(struct reply *rep, struct db *db, enum db_kind kind, const json_t *record)
{
    set_written_etag(rep, db, kind, json_string_value(json_object_get(record, "slug")));
}

/* Last-Modified from a record's updated_at (YYYY-MM-DDTHH:MM:SSZ). */
static void set_last_modified(struct reply *rep, const char *updated_at)
{
    char date[30];
    if (updated_at != NULL && text_http_date(updated_at, date))
        reply_header(rep, "Last-Modified", date);
}

/* An article, the most read record, is written as JSON by the store in one
 * statement rather than built and serialized here. */
static int article_document(const struct request *req, struct reply *rep, int64_t id)
{
    char *json = NULL, updated_at[40];
    size_t len = 0;
    enum db_status rc = db_article_document(req->db, id, &json, &len, updated_at,
                                            sizeof updated_at);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, record_name(KIND_ARTICLE));
    set_last_modified(rep, updated_at);
    return reply_json_text(rep, 200, json, len);
}

int records_get(const struct request *req, struct reply *rep, enum db_kind kind)
{
    static const char *const no_params[] = {NULL};
    json_t *record = NULL;
    int64_t id;

    long long numeric;
    if (!params_only(req, rep, no_params))
        return rep->status;
    /* An article by number needs no lookup of its own: the document's read
     * answers 404 for a number no article has. */
    if (kind == KIND_ARTICLE && req->id != NULL && text_parse_id(req->id, &numeric))
        return article_document(req, rep, numeric);
    if (!params_path_ref(req, rep, kind, &id))
        return rep->status;
    if (kind == KIND_ARTICLE)
        return article_document(req, rep, id);
    enum db_status rc = records_fetch(req->db, kind, id, &record);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, record_name(kind));
    set_last_modified(rep, json_string_value(json_object_get(record, "updated_at")));
    int status = reply_json(rep, 200, record);
    json_decref(record);
    return status;
}

/* Opens the write transaction, or replies why it cannot be. */
static struct db *begin(const struct request *req, struct reply *rep)
{
    enum db_status status;
    struct db *w = db_write_begin(req->store, &status);
    if (w == NULL) {
        if (status == DB_READ_ONLY) {
            reply_header(rep, "Allow", "GET, HEAD");
            reply_problem(rep, 405, NULL, "this server is read-only");
        } else {
            reply_db_error(rep, status, "record");
        }
    }
    return w;
}

/* Commits, or replies why it could not. */
static bool commit(const struct request *req, struct reply *rep, struct db *w)
{
    enum db_status status = db_write_commit(req->store, w);
    if (status == DB_OK)
        return true;
    reply_free(rep);
    reply_db_error(rep, status, "record");
    return false;
}

/* If-Match against the record's current version: true to go on. "*" and no
 * header match anything that exists. */
static bool if_match_holds(const struct request *req, struct reply *rep, struct db *w,
                           enum db_kind kind, int64_t id)
{
    const char *wanted = req->header(req, "If-Match");
    int64_t version;

    if (wanted == NULL)
        return true;
    enum db_status rc = db_record_version(w, kind, id, &version);
    if (rc != DB_OK) {
        reply_db_error(rep, rc, record_name(kind));
        return false;
    }
    /* Our tags name the store version they were read at, and a record's
     * version is the store version of its last change: the record is as
     * the client saw it when some tag is at least that new. Writes to
     * other records in between do not count as conflicts. */
    if (strcmp(wanted, "*") == 0 || etag_list_predates(wanted, version))
        return true;
    reply_problem(rep, 412, "If-Match",
                  "the record changed since that version; fetch it again and reapply the change");
    return false;
}

/* Replies with the record as it now is in the write transaction; *slug
 * (malloc'd, caller frees) gets its slug when slug is not NULL. Writes run
 * one at a time, so an article, the record written most, is written as
 * text by the store (as a GET of it is) rather than built as a json_t and
 * serialized. */
static int reply_record(struct reply *rep, struct db *w, enum db_kind kind, int64_t id,
                        int status, char **slug)
{
    json_t *record = NULL;
    char *text = NULL, *own_slug = NULL, updated_at[40];
    size_t len = 0;
    enum db_status rc;

    if (kind == KIND_ARTICLE) {
        rc = db_article_document(w, id, &text, &len, updated_at, sizeof updated_at);
        if (rc == DB_OK)
            rc = db_slug_of(w, kind, id, &own_slug);
    } else {
        rc = records_fetch(w, kind, id, &record);
        if (rc == DB_OK && (own_slug = strdup(json_string_value(json_object_get(record, "slug")))) == NULL)
            rc = DB_ERR;
    }
    if (rc != DB_OK) {
        status = reply_db_error(rep, rc, record_name(kind));
        goto done;
    }
    set_written_etag(rep, w, kind, own_slug);
    if (text != NULL) {
        status = reply_json_text(rep, status, text, len);
        text = NULL; /* the reply owns it */
    } else {
        status = reply_json(rep, status, record);
    }
    if (slug != NULL) {
        *slug = own_slug;
        own_slug = NULL;
    }
done:
    free(text);
    free(own_slug);
    json_decref(record);
    return status;
}

/* ?extract=true|false on POST /v1/articles: extraction runs unless false. */
static bool extract_param(const struct request *req, struct reply *rep, bool *extract)
{
    const char *value = query_get(req->query, "extract");
    *extract = true;
    if (value == NULL || strcmp(value, "true") == 0)
        return true;
    if (strcmp(value, "false") == 0) {
        *extract = false;
        return true;
    }
    reply_problem(rep, 400, "extract", "must be true or false");
    return false;
}

int records_create(const struct request *req, struct reply *rep, enum db_kind kind)
{
    static const char *const no_params[] = {NULL};
    json_t *body = NULL;
    char *slug = NULL;
    struct idempotent_reply earlier = {0};
    struct record_error err;
    struct db *w = NULL;
    char hash[65], scope[64];
    int64_t id;
    int status;

    static const char *const article_params[] = {"extract", NULL};
    bool extract = false;

    const char *key = req->header(req, "Idempotency-Key");
    if (!params_only(req, rep, kind == KIND_ARTICLE ? article_params : no_params) ||
        (kind == KIND_ARTICLE && !extract_param(req, rep, &extract)) ||
        !records_read_body(req, rep, NULL, &body))
        return rep->status;
    if (key != NULL && (key[0] == '\0' || strlen(key) > IDEMPOTENCY_KEY_MAX ||
                        !text_is_clean_utf8(key, strlen(key)))) {
        json_decref(body);
        return reply_problem(rep, 400, "Idempotency-Key", "must be 1 to 200 characters");
    }
    if (key != NULL) {
        text_sha256_hex(req->body, req->body_len, hash);
        /* Keys are the client's own: two clients picking the same key
         * never see each other's answers. */
        snprintf(scope, sizeof scope, "POST /v1/%s %s", collection(kind), req->client);
    }

    w = begin(req, rep);
    if (w == NULL) {
        status = rep->status;
        goto done;
    }
    if (key != NULL) {
        enum db_status rc = db_idempotency_find(w, key, scope, hash, &earlier);
        if (rc != DB_OK) {
            status = reply_db_error(rep, rc, "record");
            goto abort;
        }
        if (earlier.found && !earlier.same_request) {
            status = reply_problem(rep, 422, "Idempotency-Key",
                                   "this key was used with a different request body");
            goto abort;
        }
        if (earlier.found) {
            /* The first answer, byte for byte: nothing new is created. */
            rep->status = status = earlier.status;
            rep->body = earlier.body;
            rep->body_len = strlen(earlier.body);
            rep->content_type = "application/json";
            earlier.body = NULL;
            if (earlier.location != NULL)
                reply_header(rep, "Location", earlier.location);
            reply_header(rep, "Idempotent-Replayed", "true");
            goto abort;
        }
    }
    if (!db_record_create(w, kind, body, &id, &err)) {
        status = records_reply_error(rep, &err);
        goto abort;
    }
    if (extract && !db_article_extract(req->store, w, id, &err)) {
        status = records_reply_error(rep, &err);
        goto abort;
    }
    status = reply_record(rep, w, kind, id, 201, &slug);
    if (status != 201)
        goto abort;
    char location[200];
    snprintf(location, sizeof location, "/v1/%s/%s", collection(kind), slug);
    reply_header(rep, "Location", location);
    if (key != NULL) {
        enum db_status rc = db_idempotency_save(w, key, scope, hash, 201, location, rep->body);
        if (rc != DB_OK) {
            reply_free(rep);
            status = reply_db_error(rep, rc, "record");
            goto abort;
        }
    }
    if (!commit(req, rep, w)) {
        status = rep->status;
        if (extract)
            db_extraction_forget(req->store);
    }
    goto done;
abort:
    db_write_abort(req->store, w);
    if (extract)
        db_extraction_forget(req->store);
done:
    idempotent_reply_free(&earlier);
    free(slug);
    json_decref(body);
    return status;
}

/* Resolves the path's record inside the write transaction and checks
 * If-Match against it. With If-Match, a record that is gone is 412: the
 * client's precondition does not hold (RFC 9110, 13.1.1). */
static bool target_holds(const struct request *req, struct reply *rep, struct db *w,
                         enum db_kind kind, int64_t *id)
{
    if (!params_path_ref_in(req, rep, w, kind, id)) {
        if (rep->status == 404 && req->header(req, "If-Match") != NULL) {
            reply_free(rep);
            reply_problem(rep, 412, "If-Match", "the record no longer exists");
        }
        return false;
    }
    return if_match_holds(req, rep, w, kind, *id);
}

int records_patch(const struct request *req, struct reply *rep, enum db_kind kind)
{
    static const char *const no_params[] = {NULL};
    json_t *patch = NULL;
    struct record_error err;
    int64_t id;
    int status;

    if (!params_only(req, rep, no_params) ||
        !records_read_body(req, rep, "application/merge-patch+json", &patch))
        return rep->status;
    struct db *w = begin(req, rep);
    if (w == NULL) {
        json_decref(patch);
        return rep->status;
    }
    if (!target_holds(req, rep, w, kind, &id)) {
        status = rep->status;
    } else if (!db_record_patch(w, kind, id, patch, &err)) {
        status = records_reply_error(rep, &err);
    } else {
        status = reply_record(rep, w, kind, id, 200, NULL);
        if (status == 200) {
            json_decref(patch);
            return commit(req, rep, w) ? status : rep->status;
        }
    }
    db_write_abort(req->store, w);
    json_decref(patch);
    return status;
}

int records_delete(const struct request *req, struct reply *rep, enum db_kind kind)
{
    static const char *const no_params[] = {NULL};
    struct record_error err;
    int64_t id;

    if (!params_only(req, rep, no_params))
        return rep->status;
    struct db *w = begin(req, rep);
    if (w == NULL)
        return rep->status;
    if (!target_holds(req, rep, w, kind, &id)) {
        db_write_abort(req->store, w);
        return rep->status;
    }
    if (!db_record_delete(w, kind, id, &err)) {
        db_write_abort(req->store, w);
        return records_reply_error(rep, &err);
    }
    if (!commit(req, rep, w))
        return rep->status;
    rep->status = 204;
    return 204;
}
