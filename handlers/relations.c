#include "handlers/relations.h"

#include <stdio.h>
#include <string.h>

#include "db/relations.h"
#include "db/text.h"
#include "handlers/params.h"

/* An integer parameter from 1 to max, `fallback` when absent. */
static bool count_param(const struct request *req, struct reply *rep, const char *name,
                        long long max, long long fallback, long long *out)
{
    const char *text = query_get(req->query, name);
    char detail[80];
    *out = fallback;
    if (text == NULL)
        return true;
    if (!text_parse_id(text, out) || *out > max) {
        snprintf(detail, sizeof detail, "must be an integer from 1 to %lld", max);
        reply_problem(rep, 400, name, detail);
        return false;
    }
    return true;
}

int handle_entity_related(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {"limit", NULL};
    json_t *related = NULL;
    int64_t id;
    int limit;

    if (!params_only(req, rep, allowed) || !params_limit(req, rep, &limit) ||
        !params_path_ref(req, rep, KIND_ENTITY, &id))
        return rep->status;

    enum db_status rc = db_relations_related(req->db, id, limit, RELATIONS_WINDOW, &related);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "entity");
    int status = reply_json(rep, 200, related);
    json_decref(related);
    return status;
}

int handle_graph(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {"entity", "depth", "min_weight", "limit", NULL};
    static const char *const depths[] = {"1", "2", NULL};
    struct graph_query q = {0};
    const char *depth;
    long long min_weight, limit;
    json_t *graph = NULL;

    if (!params_only(req, rep, allowed) || !params_enum(req, rep, "depth", depths, &depth) ||
        !count_param(req, rep, "min_weight", INT64_MAX, 1, &min_weight) ||
        !count_param(req, rep, "limit", GRAPH_MAX_NODES, GRAPH_DEFAULT_NODES, &limit) ||
        !params_ref(req, rep, "entity", KIND_ENTITY, &q.entity_id))
        return rep->status;
    /* A graph of everything has no centre and no bound. */
    if (q.entity_id == 0)
        return reply_problem(rep, 400, "entity", "is required: the id or slug of an entity");
    q.depth = depth != NULL && strcmp(depth, "2") == 0 ? 2 : 1;
    q.min_weight = min_weight;
    q.limit = (int)limit;
    q.window = (struct relations_window){RELATIONS_WINDOW, RELATIONS_BUDGET};

    enum db_status rc = db_relations_graph(req->db, &q, &graph);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "entity");
    int status = reply_json(rep, 200, graph);
    json_decref(graph);
    return status;
}

int handle_timeline(const struct request *req, struct reply *rep)
{
    static const char *const allowed[] = {"entity", "since", "until", "interval", NULL};
    static const char *const intervals[] = {"day", "month", "year", NULL};
    struct timeline_filter f = {0};
    const char *interval;
    json_t *buckets = NULL, *agreements = NULL, *timeline = NULL;
    bool has_more = false;
    int status;

    if (!params_only(req, rep, allowed) ||
        !params_enum(req, rep, "interval", intervals, &interval) ||
        !params_ref(req, rep, "entity", KIND_ENTITY, &f.entity_id) ||
        !params_date_range(req, rep, &f.since, &f.until))
        return rep->status;
    /* Months by default: the grain at which news about agreements moves. */
    if (interval == NULL)
        interval = "month";
    f.interval = strcmp(interval, "day") == 0    ? TIMELINE_DAY
                 : strcmp(interval, "year") == 0 ? TIMELINE_YEAR
                                                 : TIMELINE_MONTH;

    enum db_status rc = db_relations_timeline_counts(req->db, &f, TIMELINE_MAX_BUCKETS, &buckets);
    if (rc == DB_INVALID) {
        char detail[160];
        snprintf(detail, sizeof detail,
                 "gives more than %d buckets over this range; use a longer interval or a "
                 "shorter since/until",
                 TIMELINE_MAX_BUCKETS);
        status = reply_problem(rep, 400, "interval", detail);
        goto done;
    }
    if (rc == DB_OK)
        rc = db_relations_timeline_agreements(req->db, &f, TIMELINE_MAX_AGREEMENTS, &agreements,
                                              &has_more);
    if (rc != DB_OK) {
        status = reply_db_error(rep, rc, "entity");
        goto done;
    }
    timeline = json_pack("{s:s, s:O, s:O, s:b}", "interval", interval, "buckets", buckets,
                         "agreements", agreements, "agreements_truncated", has_more);
    if (timeline == NULL) {
        status = reply_problem(rep, 500, NULL, "could not build the timeline");
        goto done;
    }
    status = reply_json(rep, 200, timeline);
done:
    json_decref(timeline);
    json_decref(agreements);
    json_decref(buckets);
    return status;
}

int handle_agreement_chain(const struct request *req, struct reply *rep)
{
    static const char *const no_params[] = {NULL};
    json_t *chain = NULL, *page = NULL;
    int64_t id;
    int status;

    if (!params_only(req, rep, no_params) || !params_path_ref(req, rep, KIND_AGREEMENT, &id))
        return rep->status;

    enum db_status rc = db_relations_chain(req->db, id, &chain);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "agreement");
    /* "o" hands the chain to the page, even when packing fails. */
    page = json_pack("{s:o}", "data", chain);
    if (page == NULL)
        return reply_problem(rep, 500, NULL, "could not build the chain");
    status = reply_json(rep, 200, page);
    json_decref(page);
    return status;
}

int handle_stats(const struct request *req, struct reply *rep)
{
    static const char *const no_params[] = {NULL};
    json_t *stats = NULL;

    if (!params_only(req, rep, no_params))
        return rep->status;

    enum db_status rc = db_relations_stats(req->db, &stats);
    if (rc != DB_OK)
        return reply_db_error(rep, rc, "record");
    int status = reply_json(rep, 200, stats);
    json_decref(stats);
    return status;
}
