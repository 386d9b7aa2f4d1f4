#pragma once
/* Relations and aggregates: who appears with whom, what happened when, what
 * replaced what, and how much there is. Every answer here is bounded by a
 * cap its caller chooses or by a constant below, however large the store. */

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* Co-mentions are counted over each entity's most recent articles, not all
 * of them: a hub of a large store is in most of its articles, and counting
 * all of them would cost seconds per request. An entity with no more
 * articles than its window gets exact counts. */
#define RELATIONS_WINDOW 1000     /* articles of the one entity related/graph grow from */
#define RELATIONS_BUDGET 2000     /* articles shared out among a graph ring or its nodes */
#define RELATIONS_MIN_WINDOW 25   /* the fewest articles any entity's share holds */

struct relations_window {
    int window; /* the most recent articles counted for one entity, >= 1 */
    int budget; /* shared out among many, as window_share says */
};

/* The entities mentioned in the same articles as entity `id` among its
 * `window` most recent articles, the most shared articles first, ties by
 * name, the entity itself left out: at most `limit` of them. *out is
 * {"entity": {id, slug, name}, "data": [{id, slug, name, type,
 * shared_articles}], "basis": {"recent_articles": window, "complete": bool}}
 * (caller owns); complete says that the window held all its articles.
 * DB_NOT_FOUND if no entity has the id. It is a top-N, not a page: the tail
 * of a hub's list says little. */
enum db_status db_relations_related(struct db *db, int64_t id, int limit, int window,
                                    json_t **out);

#define GRAPH_MAX_NODES 200

struct graph_query {
    int64_t entity_id;  /* the entity the graph grows from */
    int depth;          /* 1: its neighbours; 2: their neighbours too */
    int64_t min_weight; /* the fewest shared articles that make an edge, >= 1 */
    int limit;          /* the most nodes, 1..GRAPH_MAX_NODES, the entity included */
    struct relations_window window; /* the entity's own window, and the budget its
                                       ring and the edges share */
};

/* The co-mention network around q->entity_id as {"nodes": [{id, slug, name,
 * type}], "edges": [{source, target, weight}]} (caller owns). Nodes come
 * nearest first (the entity, then its neighbours, then theirs), each ring
 * strongest first; a node past q->limit is left out, so a hub cannot make
 * the answer huge. A node of the second ring is ranked by its strongest edge
 * to the first. Edges join included nodes only, weigh at least
 * q->min_weight, and appear once with source < target. The entity's
 * neighbours come from its own window; each later ring and the edges share
 * the budget among their entities. The edges of the entity count its own
 * window; "basis": {"recent_articles": n} tells the share every other
 * node's edges were counted over. DB_NOT_FOUND if the
 * entity does not exist. */
enum db_status db_relations_graph(struct db *db, const struct graph_query *q, json_t **out);

enum timeline_interval { TIMELINE_DAY, TIMELINE_MONTH, TIMELINE_YEAR };

struct timeline_filter {
    int64_t entity_id;  /* only articles mentioning it and agreements naming it
                           (party or signatory), or 0 for all */
    const char *since;  /* YYYY-MM-DD, or NULL */
    const char *until;  /* YYYY-MM-DD, or NULL */
    enum timeline_interval interval;
};

/* Counts of articles (by published_at) and agreements (by signed_on) per
 * period, as [{"period": "2010-09", "articles": n, "agreements": m}] oldest
 * first (caller owns). The periods run without gaps (zeros included) from
 * since to until, or, when one is absent, from the first to the last period
 * holding anything. Undated agreements are in no period. DB_INVALID (and no
 * *out) when that would be more than max_buckets periods. */
enum db_status db_relations_timeline_counts(struct db *db, const struct timeline_filter *f,
                                            int max_buckets, json_t **out);

/* The dated agreements the same filter selects, oldest signed first, at most
 * `limit` of them, as agreement briefs (caller owns *out). *has_more tells
 * whether more matched. */
enum db_status db_relations_timeline_agreements(struct db *db, const struct timeline_filter *f,
                                                int limit, json_t **out, bool *has_more);

/* How far a supersedes chain is followed each way, and the most agreements
 * one chain answer holds. Writes refuse cycles; the caps keep a store that
 * has one anyway (or a vast family of revisions) from running away. */
#define CHAIN_MAX_DEPTH 1000
#define CHAIN_MAX_AGREEMENTS 1000

/* The supersedes chain through agreement `id`, as an array of agreement
 * briefs (caller owns): what it supersedes, back to the oldest, then it,
 * then everything that supersedes it, directly or not. Where two agreements
 * supersede the same one, both are there: the order is the distance along
 * the chain, then signed_on (undated last), then id. Agreements that
 * supersede one of its predecessors but do not lead to it are not in its
 * chain. DB_NOT_FOUND if no agreement has the id. */
enum db_status db_relations_chain(struct db *db, int64_t id, json_t **out);

/* Totals: {"articles", "entities": {"total", each type}, "agreements":
 * {"total", "by_status": {each status}, "by_kind": {each kind}}, "quotes",
 * "sources"} (caller owns), every type, status and kind present, zeros
 * included. "sources" is the number of distinct article sources. */
enum db_status db_relations_stats(struct db *db, json_t **out);
