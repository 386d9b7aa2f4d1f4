#include "handlers/entities.h"

#include <string.h>

#include "db/entities.h"
#include "db/text.h"
#include "db/vocabulary.h"
#include "handlers/params.h"
#include "handlers/records.h"
#include "db/writes.h"

static const char *const entity_sorts[] = {"name", "mentions", NULL};

static bool is_count_key(const char *key)
{
    long long n;
    return strcmp(key, "0") == 0 || text_parse_id(key, &n);
}

int handle_entity_list(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {"limit", "cursor", "type", "q", "sort", NULL};
    struct entity_filter filter = {0};
    struct keyset after, next;
    const char *sort;
    json_t *items = NULL;
    int limit;

    if (!params_only(req, rep, allowed) || !params_limit(req, rep, &limit) ||
        !params_enum(req, rep, "type", db_entity_types, &filter.type) ||
        !params_text(req, rep, "q", 200, &filter.prefix) ||
        !params_enum(req, rep, "sort", entity_sorts, &sort))
        return rep->status;
    /* Names sort by default: a directory reads alphabetically. The cursor
     * tag includes the order, so a cursor cannot cross orders. */
    filter.sort = sort != NULL && strcmp(sort, "mentions") == 0 ? ENTITY_SORT_MENTIONS
                                                                 : ENTITY_SORT_NAME;
    const char *tag = filter.sort == ENTITY_SORT_MENTIONS ? "entities-by-mentions" : "entities";
    if (!params_cursor(req, rep, tag, filter.sort == ENTITY_SORT_MENTIONS ? is_count_key : NULL,
                       &after))
        return rep->status;

    enum db_status rc = db_entity_list(req->db, &filter, &after, limit, &items, &next);
    if (rc == DB_INVALID)
        return reply_problem(rep, 400, "q", "is too long");
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "entity");
    return reply_page(rep, items, tag, &next);
}

int handle_entity_get(const struct request *req, struct reply *rep)
{
    return records_get(req, rep, KIND_ENTITY);
}

int handle_entity_create(const struct request *req, struct reply *rep)
{
    return records_create(req, rep, KIND_ENTITY);
}

int handle_entity_patch(const struct request *req, struct reply *rep)
{
    return records_patch(req, rep, KIND_ENTITY);
}

int handle_entity_delete(const struct request *req, struct reply *rep)
{
    return records_delete(req, rep, KIND_ENTITY);
}

/* Runs one entity change in a write transaction and answers with the entity
 * `answer_id` as it is then. `change` returns false with err set. */
static int entity_action(const struct request *req, struct reply *rep, const char *field,
                         bool (*change)(struct db *w, int64_t id, const json_t *value,
                                        int64_t *answer_id, struct record_error *err))
{
    static const char *const no_params[] = {NULL};
    json_t *body = NULL, *entity = NULL;
    struct record_error err = {0};
    enum db_status rc;
    int64_t id, answer_id;
    int status;

    if (!params_only(req, rep, no_params) || !records_read_body(req, rep, NULL, &body))
        return rep->status;
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value) {
        if (strcmp(key, field) != 0) {
            /* key lives in body: answer before releasing it. */
            status = reply_problem(rep, 400, key, "is not a field of this request");
            json_decref(body);
            return status;
        }
    }
    value = json_object_get(body, field);
    if (value == NULL) {
        json_decref(body);
        return reply_problem(rep, 400, field, "is required");
    }
    struct db *w = db_write_begin(req->store, &rc);
    if (w == NULL) {
        json_decref(body);
        if (rc == DB_READ_ONLY) {
            reply_header(rep, "Allow", "GET, HEAD");
            return reply_problem(rep, 405, NULL, "this server is read-only");
        }
        return reply_db_error(rep, rc, "entity");
    }
    if (!params_path_ref_in(req, rep, w, KIND_ENTITY, &id)) {
        db_write_abort(req->store, w);
        json_decref(body);
        return rep->status;
    }
    answer_id = id;
    if (!change(w, id, value, &answer_id, &err)) {
        db_write_abort(req->store, w);
        status = records_reply_error(rep, &err);
    } else if ((rc = records_fetch(w, KIND_ENTITY, answer_id, &entity)) != DB_OK) {
        db_write_abort(req->store, w);
        status = reply_db_error(rep, rc, "entity");
    } else {
        records_set_etag(rep, w, KIND_ENTITY, entity);
        status = reply_json(rep, 200, entity);
        rc = db_write_commit(req->store, w);
        if (rc != DB_OK) {
            reply_free(rep);
            status = reply_db_error(rep, rc, "entity");
        }
    }
    json_decref(entity);
    json_decref(body);
    return status;
}

static bool add_aliases(struct db *w, int64_t id, const json_t *value, int64_t *answer_id,
                        struct record_error *err)
{
    *answer_id = id;
    return db_entity_add_aliases(w, id, value, err);
}

static bool merge_into(struct db *w, int64_t id, const json_t *value, int64_t *answer_id,
                       struct record_error *err)
{
    return db_entity_resolve_ref(w, value, "into", answer_id, err) &&
           db_entity_merge(w, id, *answer_id, err);
}

int handle_entity_add_aliases(const struct request *req, struct reply *rep)
{
    return entity_action(req, rep, "aliases", add_aliases);
}

int handle_entity_merge(const struct request *req, struct reply *rep)
{
    return entity_action(req, rep, "into", merge_into);
}
