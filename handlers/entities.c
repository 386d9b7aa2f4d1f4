#include "handlers/entities.h"

#include <string.h>

#include "db/entities.h"
#include "db/text.h"
#include "handlers/params.h"

static const char *const entity_types[] = {"person", "organization", "location", "product", NULL};
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
        !params_enum(req, rep, "type", entity_types, &filter.type) ||
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
    static const char *const allowed[] = {NULL};
    json_t *entity = NULL;
    int64_t id;

    if (!params_only(req, rep, allowed) || !params_path_ref(req, rep, KIND_ENTITY, &id))
        return rep->status;

    enum db_status rc = db_entity_get(req->db, id, &entity);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "entity");
    int status = reply_json(rep, 200, entity);
    json_decref(entity);
    return status;
}
