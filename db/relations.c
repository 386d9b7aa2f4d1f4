#include "db/relations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/listing.h"
#include "db/summaries.h"
#include "db/vocabulary.h"

/* ---- co-mentions ------------------------------------------------------- */

/* The articles of entity `f.value` a count looks at: its `:window` most
 * recent, one range of mentions_by_entity in its own order. A hub's counts
 * then cost what any entity's do (the top entity of a Zipf-shaped store is
 * in most articles), and for an entity with fewer articles they are exact. */
#define WINDOW_OF_F                                                                          \
    "(SELECT article_id FROM mentions WHERE entity_id = f.value"                             \
    " ORDER BY published_at DESC, article_id DESC LIMIT :window)"

/* The one co-mention query behind related entities and both rings of the
 * graph: for each entity of :from, the other entities of its window's
 * articles, met through the primary key (article_id, entity_id). A
 * neighbour's strength is its largest number of articles shared with any
 * one entity of :from. :from and :exclude are JSON arrays of ids: one
 * statement then serves any number of entities. */
static const char neighbours_sql[] =
    "SELECT " ENTITY_BRIEF_COLUMNS ", max(shared) AS strength"
    " FROM (SELECT m2.entity_id AS neighbour_id, count(*) AS shared"
    "       FROM json_each(:from) f"
    "       JOIN mentions m2 ON m2.article_id IN " WINDOW_OF_F
    "       WHERE m2.entity_id NOT IN (SELECT value FROM json_each(:exclude))"
    "       GROUP BY f.value, m2.entity_id HAVING count(*) >= :min_weight)"
    " JOIN entities e ON e.id = neighbour_id"
    " GROUP BY e.id ORDER BY strength DESC, e.name_key, e.id LIMIT :limit";

/* Edges among a known set of at most GRAPH_MAX_NODES entities, each pair
 * once with the lower id first. Each side counts the pair in its own window
 * (the centre in its full window, the others in their share) and the larger
 * count stands, the same rule as a neighbour's strength; where both windows
 * hold all their articles the two agree. The unary + keeps the planner
 * from driving the count through the nodes' own mentions (a hub node has
 * hundreds of thousands) instead of the windows' articles. */
static const char edges_sql[] =
    "SELECT min(source, target), max(source, target), max(shared)"
    " FROM (SELECT f.value AS source, m2.entity_id AS target, count(*) AS shared"
    "       FROM json_each(:nodes) f"
    "       JOIN mentions m2 ON m2.article_id IN " WINDOW_OF_F
    "       WHERE f.value <> :centre AND m2.entity_id <> f.value"
    "         AND +m2.entity_id IN (SELECT value FROM json_each(:nodes))"
    "       GROUP BY f.value, m2.entity_id"
    "       UNION ALL"
    "       SELECT :centre, m2.entity_id, count(*) FROM mentions m2"
    "       WHERE m2.article_id IN (SELECT article_id FROM mentions WHERE entity_id = :centre"
    "                               ORDER BY published_at DESC, article_id DESC"
    "                               LIMIT :centre_window)"
    "         AND m2.entity_id <> :centre"
    "         AND +m2.entity_id IN (SELECT value FROM json_each(:nodes))"
    "       GROUP BY m2.entity_id)"
    " GROUP BY 1, 2 HAVING max(shared) >= :min_weight ORDER BY 1, 2";

/* Whether the entity has at most :window articles, reading no more than
 * one past the window. */
static const char window_holds_all_sql[] =
    "SELECT count(*) <= :window FROM (SELECT 1 FROM mentions WHERE entity_id = :id"
    " LIMIT :window + 1)";

static const char entity_brief_sql[] =
    "SELECT " ENTITY_BRIEF_COLUMNS " FROM entities e WHERE e.id = ?1";

static json_t *related_row(sqlite3_stmt *st)
{
    json_t *item = summary_entity_brief(st);
    if (item != NULL &&
        json_object_set_new(item, "shared_articles", conn_col_int(st, ENTITY_BRIEF_NCOLS)) != 0) {
        json_decref(item);
        return NULL;
    }
    return item;
}

static json_t *edge_row(sqlite3_stmt *st)
{
    return json_pack("{s:o, s:o, s:o}", "source", conn_col_int(st, 0), "target",
                     conn_col_int(st, 1), "weight", conn_col_int(st, 2));
}

/* Binds a JSON array of ids to :name. json_each reads the text, so the
 * binding is a copy and `ids` stays the caller's. */
static bool bind_ids(sqlite3_stmt *st, const char *name, const json_t *ids)
{
    char *text = json_dumps(ids, JSON_COMPACT);
    if (text == NULL)
        return false;
    bind_named_text(st, name, text);
    free(text);
    return true;
}

/* Appends the strongest `limit` neighbours of the entities in `from`, not in
 * `exclude`, as row(st) items to `into`. */
static enum db_status neighbours(struct db *db, const json_t *from, const json_t *exclude,
                                 int64_t min_weight, int window, int limit, row_to_json_fn row,
                                 json_t *into)
{
    sqlite3_stmt *st = conn_list_stmt(db, neighbours_sql);
    if (st == NULL)
        return DB_ERR;
    if (!bind_ids(st, ":from", from) || !bind_ids(st, ":exclude", exclude)) {
        conn_done(st);
        return DB_ERR;
    }
    bind_named_int(st, ":min_weight", min_weight);
    bind_named_int(st, ":window", window);
    bind_named_int(st, ":limit", limit);
    return listing_all(db, st, row, into);
}

static enum db_status window_holds_all(struct db *db, int64_t id, int window, bool *holds_all)
{
    sqlite3_stmt *st = conn_stmt(db, window_holds_all_sql);
    enum db_status rc = DB_ERR;

    if (st == NULL)
        goto done;
    bind_named_int(st, ":id", id);
    bind_named_int(st, ":window", window);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = conn_status(db, step);
        goto done;
    }
    *holds_all = sqlite3_column_int(st, 0) != 0;
    rc = DB_OK;
done:
    conn_done(st);
    return rc;
}

/* The window each of `entities` gets from a shared budget of articles:
 * fewer each as there are more of them, never fewer than
 * RELATIONS_MIN_WINDOW, never more than `window`. */
static int window_share(const struct relations_window *w, size_t entities)
{
    size_t share = entities > 0 ? (size_t)w->budget / entities : (size_t)w->window;
    if (share < RELATIONS_MIN_WINDOW)
        share = RELATIONS_MIN_WINDOW;
    return share < (size_t)w->window ? (int)share : w->window;
}

/* The entity's brief {id, slug, name, type} (caller owns). */
static enum db_status entity_brief(struct db *db, int64_t id, json_t **out)
{
    sqlite3_stmt *st = conn_stmt(db, entity_brief_sql);
    enum db_status rc = DB_ERR;

    if (st == NULL)
        goto done;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? DB_NOT_FOUND : conn_status(db, step);
        goto done;
    }
    *out = summary_entity_brief(st);
    rc = *out != NULL ? DB_OK : DB_ERR;
done:
    conn_done(st);
    return rc;
}

/* Appends the "id" of each node from index `from` on to the array `ids`. */
static bool append_ids(json_t *ids, const json_t *nodes, size_t from)
{
    for (size_t i = from; i < json_array_size(nodes); i++)
        if (json_array_append(ids, json_object_get(json_array_get(nodes, i), "id")) != 0)
            return false;
    return true;
}

enum db_status db_relations_related(struct db *db, int64_t id, int limit, int window,
                                    json_t **out)
{
    json_t *entity = NULL, *self = NULL, *items = json_array(), *result = NULL;
    bool holds_all = false;
    enum db_status rc = DB_ERR;

    if (items == NULL)
        goto done;
    if ((rc = entity_brief(db, id, &entity)) != DB_OK)
        goto done;
    rc = DB_ERR;
    self = json_pack("[I]", (json_int_t)id);
    if (self == NULL)
        goto done;
    /* A pair needs one shared article to be related at all. */
    if ((rc = neighbours(db, self, self, 1, window, limit, related_row, items)) != DB_OK ||
        (rc = window_holds_all(db, id, window, &holds_all)) != DB_OK)
        goto done;
    rc = DB_ERR;
    /* The entity is named, not described: its type is on its own page. */
    result = json_pack("{s:O, s:{s:O, s:O, s:O}, s:{s:i, s:b}}", "data", items, "entity",
                       "id", json_object_get(entity, "id"), "slug", json_object_get(entity, "slug"),
                       "name", json_object_get(entity, "name"), "basis", "recent_articles",
                       window, "complete", holds_all);
    if (result == NULL)
        goto done;

    *out = result;
    result = NULL;
    rc = DB_OK;
done:
    json_decref(result);
    json_decref(items);
    json_decref(self);
    json_decref(entity);
    return rc;
}

enum db_status db_relations_graph(struct db *db, const struct graph_query *q, json_t **out)
{
    json_t *nodes = json_array(), *edges = json_array(), *ids = json_array(), *ring = NULL;
    json_t *seed = NULL, *result = NULL;
    int edge_window = q->window.window;
    enum db_status rc = DB_ERR;

    if (nodes == NULL || edges == NULL || ids == NULL)
        goto done;
    if ((rc = entity_brief(db, q->entity_id, &seed)) != DB_OK)
        goto done;
    rc = DB_ERR;
    if (json_array_append(nodes, seed) != 0 || !append_ids(ids, nodes, 0))
        goto done;

    /* Each ring grows from the one before it only (ring 0 is the entity).
     * Ranking rings before strength keeps every node joined to the entity
     * through included nodes, and the cap cuts the weakest of the farthest
     * ring. */
    size_t ring_start = 0;
    for (int hop = 1; hop <= q->depth; hop++) {
        size_t before = json_array_size(nodes);
        int room = q->limit - (int)before;
        if (room <= 0 || before == ring_start)
            break;
        json_decref(ring);
        ring = json_array();
        if (ring == NULL || !append_ids(ring, nodes, ring_start))
            goto done;
        ring_start = before;
        int window = window_share(&q->window, json_array_size(ring));
        if ((rc = neighbours(db, ring, ids, q->min_weight, window, room, summary_entity_brief,
                             nodes)) != DB_OK)
            goto done;
        rc = DB_ERR;
        if (!append_ids(ids, nodes, before))
            goto done;
    }

    if (json_array_size(nodes) > 1) {
        sqlite3_stmt *st = conn_list_stmt(db, edges_sql);
        if (st == NULL)
            goto done;
        if (!bind_ids(st, ":nodes", ids)) {
            conn_done(st);
            goto done;
        }
        edge_window = window_share(&q->window, json_array_size(ids));
        bind_named_int(st, ":min_weight", q->min_weight);
        bind_named_int(st, ":window", edge_window);
        bind_named_int(st, ":centre", q->entity_id);
        bind_named_int(st, ":centre_window", q->window.window);
        if ((rc = listing_all(db, st, edge_row, edges)) != DB_OK)
            goto done;
        rc = DB_ERR;
    }
    result = json_pack("{s:O, s:O, s:{s:i}}", "nodes", nodes, "edges", edges, "basis",
                       "recent_articles", edge_window);
    if (result == NULL)
        goto done;

    *out = result;
    result = NULL;
    rc = DB_OK;
done:
    json_decref(result);
    json_decref(seed);
    json_decref(ring);
    json_decref(ids);
    json_decref(edges);
    json_decref(nodes);
    return rc;
}

/* ---- timeline ---------------------------------------------------------- */

/* A period's text is a prefix of the ISO date: YYYY-MM-DD, YYYY-MM, YYYY. */
static const int period_len[] = {[TIMELINE_DAY] = 10, [TIMELINE_MONTH] = 7, [TIMELINE_YEAR] = 4};

struct period {
    int y, m, d;
};

/* Reads the leading YYYY[-MM[-DD]] of text; missing parts are 1. */
static bool period_parse(const char *text, struct period *p)
{
    *p = (struct period){.m = 1, .d = 1};
    int n = sscanf(text, "%4d-%2d-%2d", &p->y, &p->m, &p->d);
    return n >= 1;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 (H. Hinnant's days_from_civil), for counting day
 * periods without walking them. */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* How many periods run from a to b, both included (0 if b is before a). */
static int64_t period_span(enum timeline_interval interval, struct period a, struct period b)
{
    int64_t n;
    switch (interval) {
    case TIMELINE_YEAR: n = b.y - a.y; break;
    case TIMELINE_MONTH: n = (int64_t)(b.y - a.y) * 12 + (b.m - a.m); break;
    default: n = days_from_civil(b.y, b.m, b.d) - days_from_civil(a.y, a.m, a.d); break;
    }
    return n < 0 ? 0 : n + 1;
}

static void period_next(enum timeline_interval interval, struct period *p)
{
    if (interval == TIMELINE_DAY && ++p->d <= days_in_month(p->y, p->m))
        return;
    p->d = 1;
    if (interval != TIMELINE_YEAR && ++p->m <= 12)
        return;
    p->m = 1;
    p->y++;
}

static void period_format(enum timeline_interval interval, struct period p, char out[11])
{
    switch (interval) {
    case TIMELINE_YEAR: snprintf(out, 11, "%04d", p.y); break;
    case TIMELINE_MONTH: snprintf(out, 11, "%04d-%02d", p.y, p.m); break;
    default: snprintf(out, 11, "%04d-%02d-%02d", p.y, p.m, p.d); break;
    }
}

/* The agreements the filter selects, as conditions on g. signed_key is ''
 * for an undated agreement, so a lower bound above '' leaves those out and
 * still walks agreements_by_date as a range. An entity is in an agreement
 * as a party or a signatory; the union counts one that is both once. */
static void add_agreement_conditions(struct sql_buf *sql, const struct timeline_filter *f)
{
    sql_add(sql, f->since != NULL ? " g.signed_key >= :since" : " g.signed_key > ''");
    if (f->until != NULL)
        sql_add(sql, " AND g.signed_key <= :until || 'T99'");
    if (f->entity_id != 0)
        sql_add(sql, " AND g.id IN (SELECT agreement_id FROM agreement_parties"
                     " WHERE entity_id = :entity UNION SELECT agreement_id"
                     " FROM agreement_signatories WHERE entity_id = :entity)");
}

static void bind_timeline(sqlite3_stmt *st, const struct timeline_filter *f)
{
    bind_named_int(st, ":entity", f->entity_id);
    bind_named_text(st, ":since", f->since);
    bind_named_text(st, ":until", f->until);
    bind_named_int(st, ":len", period_len[f->interval]);
}

/* Builds the gap-free buckets from `first` to `last` (period texts), taking
 * the counts of `rows` ([[period, articles, agreements]...], sorted) where a
 * period has them. DB_INVALID past max_buckets. */
static enum db_status fill_buckets(enum timeline_interval interval, const char *first,
                                   const char *last, const json_t *rows, int max_buckets,
                                   json_t *buckets)
{
    struct period at, end;
    char text[11];
    size_t next_row = 0;

    if (!period_parse(first, &at) || !period_parse(last, &end))
        return DB_ERR;
    int64_t span = period_span(interval, at, end);
    if (span > max_buckets)
        return DB_INVALID;
    for (int64_t i = 0; i < span; i++, period_next(interval, &at)) {
        json_int_t articles = 0, agreements = 0;
        period_format(interval, at, text);
        /* Rows are sorted and inside the range, so at most one matches;
         * skipping smaller ones only guards the merge against bad dates. */
        json_t *row;
        while ((row = json_array_get(rows, next_row)) != NULL &&
               strcmp(json_string_value(json_array_get(row, 0)), text) < 0)
            next_row++;
        if (row != NULL && strcmp(json_string_value(json_array_get(row, 0)), text) == 0) {
            articles = json_integer_value(json_array_get(row, 1));
            agreements = json_integer_value(json_array_get(row, 2));
            next_row++;
        }
        json_t *bucket = json_pack("{s:s, s:I, s:I}", "period", text, "articles", articles,
                                   "agreements", agreements);
        if (bucket == NULL || json_array_append_new(buckets, bucket) != 0)
            return DB_ERR;
    }
    return DB_OK;
}

static json_t *count_row(sqlite3_stmt *st)
{
    return json_pack("[o, o, o]", conn_col_string(st, 0), conn_col_int(st, 1),
                     conn_col_int(st, 2));
}

enum db_status db_relations_timeline_counts(struct db *db, const struct timeline_filter *f,
                                            int max_buckets, json_t **out)
{
    struct sql_buf sql = {0};
    json_t *rows = json_array(), *buckets = json_array();
    char first[11] = "", last[11] = "";
    enum db_status rc = DB_ERR;

    if (rows == NULL || buckets == NULL)
        goto done;
    /* A range given in full is judged before any counting. */
    if (f->since != NULL && f->until != NULL) {
        struct period a, b;
        if (!period_parse(f->since, &a) || !period_parse(f->until, &b))
            goto done;
        if (period_span(f->interval, a, b) > max_buckets) {
            rc = DB_INVALID;
            goto done;
        }
    }

    /* Articles are counted on mentions when an entity is given: its rows
     * carry published_at, so the entity's range is one index range. */
    const char *date = f->entity_id != 0 ? "m.published_at" : "a.published_at";
    sql_add(&sql, "SELECT period, sum(is_article), sum(is_agreement) FROM ("
                  "SELECT substr(%s, 1, :len) AS period, 1 AS is_article, 0 AS is_agreement",
            date);
    sql_add(&sql, f->entity_id != 0 ? " FROM mentions m WHERE m.entity_id = :entity"
                                    : " FROM articles a WHERE 1");
    /* Dates may carry a time; "until a day" means before the next day. */
    if (f->since != NULL)
        sql_add(&sql, " AND %s >= :since", date);
    if (f->until != NULL)
        sql_add(&sql, " AND %s <= :until || 'T99'", date);
    sql_add(&sql, " UNION ALL SELECT substr(g.signed_key, 1, :len), 0, 1 FROM agreements g WHERE");
    add_agreement_conditions(&sql, f);
    /* One row more than may be answered tells that the answer is too long,
     * without building it. */
    sql_add(&sql, ") GROUP BY period ORDER BY period LIMIT :max");
    if (sql.overflow)
        goto done;

    sqlite3_stmt *st = conn_list_stmt(db, sql.text);
    if (st == NULL)
        goto done;
    bind_timeline(st, f);
    bind_named_int(st, ":max", (int64_t)max_buckets + 1);
    if ((rc = listing_all(db, st, count_row, rows)) != DB_OK)
        goto done;
    rc = DB_ERR;

    size_t n = json_array_size(rows);
    if (n > (size_t)max_buckets) {
        rc = DB_INVALID;
        goto done;
    }
    /* Without a bound the data's own first or last period stands in. */
    if (f->since != NULL)
        snprintf(first, sizeof first, "%.*s", period_len[f->interval], f->since);
    else if (n > 0)
        snprintf(first, sizeof first, "%s", json_string_value(json_array_get(json_array_get(rows, 0), 0)));
    if (f->until != NULL)
        snprintf(last, sizeof last, "%.*s", period_len[f->interval], f->until);
    else if (n > 0)
        snprintf(last, sizeof last, "%s",
                 json_string_value(json_array_get(json_array_get(rows, n - 1), 0)));
    if (first[0] != '\0' && last[0] != '\0' &&
        (rc = fill_buckets(f->interval, first, last, rows, max_buckets, buckets)) != DB_OK)
        goto done;

    *out = buckets;
    buckets = NULL;
    rc = DB_OK;
done:
    json_decref(buckets);
    json_decref(rows);
    return rc;
}

enum db_status db_relations_timeline_agreements(struct db *db, const struct timeline_filter *f,
                                                int limit, json_t **out, bool *has_more)
{
    struct sql_buf sql = {0};
    json_t *items = json_array();
    enum db_status rc = DB_ERR;

    if (items == NULL)
        goto done;
    sql_add(&sql, "SELECT " AGREEMENT_BRIEF_COLUMNS " FROM agreements g WHERE");
    add_agreement_conditions(&sql, f);
    sql_add(&sql, " ORDER BY g.signed_key, g.id LIMIT :limit");
    if (sql.overflow)
        goto done;

    sqlite3_stmt *st = conn_list_stmt(db, sql.text);
    if (st == NULL)
        goto done;
    bind_timeline(st, f);
    /* The extra row only says that more matched. */
    bind_named_int(st, ":limit", (int64_t)limit + 1);
    if ((rc = listing_all(db, st, summary_agreement_brief, items)) != DB_OK)
        goto done;
    *has_more = json_array_size(items) > (size_t)limit;
    if (*has_more)
        json_array_remove(items, (size_t)limit);

    *out = items;
    items = NULL;
    rc = DB_OK;
done:
    json_decref(items);
    return rc;
}

/* ---- supersedes chains ------------------------------------------------- */

/* older walks supersedes_id back (depth 0, -1, ...) through the primary key;
 * newer walks forward (0, 1, ...) through agreements_by_supersedes, taking
 * every branch. An agreement reached twice (only possible in a cycle, which
 * writes refuse) is kept once, at its lowest depth. */
static const char chain_sql[] =
    "WITH RECURSIVE"
    " older(id, up, depth) AS ("
    "   SELECT id, supersedes_id, 0 FROM agreements WHERE id = :id"
    "   UNION ALL"
    "   SELECT g.id, g.supersedes_id, older.depth - 1 FROM older"
    "   JOIN agreements g ON g.id = older.up WHERE older.depth > -:max_depth),"
    " newer(id, depth) AS ("
    "   SELECT id, 0 FROM agreements WHERE id = :id"
    "   UNION ALL"
    "   SELECT g.id, newer.depth + 1 FROM newer"
    "   JOIN agreements g ON g.supersedes_id = newer.id WHERE newer.depth < :max_depth)"
    " SELECT " AGREEMENT_BRIEF_COLUMNS ", min(depth) AS chain_depth"
    " FROM (SELECT id AS chain_id, depth FROM older"
    "       UNION ALL SELECT id, depth FROM newer)"
    " JOIN agreements g ON g.id = chain_id"
    " GROUP BY g.id ORDER BY chain_depth, g.signed_on IS NULL, g.signed_on, g.id LIMIT :max_rows";

enum db_status db_relations_chain(struct db *db, int64_t id, json_t **out)
{
    json_t *items = json_array();
    enum db_status rc = DB_ERR;

    if (items == NULL)
        goto done;
    sqlite3_stmt *st = conn_list_stmt(db, chain_sql);
    if (st == NULL)
        goto done;
    bind_named_int(st, ":id", id);
    bind_named_int(st, ":max_depth", CHAIN_MAX_DEPTH);
    bind_named_int(st, ":max_rows", CHAIN_MAX_AGREEMENTS);
    if ((rc = listing_all(db, st, summary_agreement_brief, items)) != DB_OK)
        goto done;
    /* The agreement itself is always in its chain. */
    if (json_array_size(items) == 0) {
        rc = DB_NOT_FOUND;
        goto done;
    }

    *out = items;
    items = NULL;
    rc = DB_OK;
done:
    json_decref(items);
    return rc;
}

/* ---- stats ------------------------------------------------------------- */

/* The answer names every value the schema allows (db/vocabulary.h), zeros
 * included, so a dashboard needs no list of its own. */

/* The tallies of schema migration 5, which triggers keep in step with
 * every write: one read of a few dozen rows, in one snapshot, so the
 * counts agree with each other. A source is counted while it has
 * articles. */
static const char stats_sql[] =
    "SELECT part, key, n FROM tallies WHERE part IN ('articles', 'quotes', 'entity_type',"
    " 'agreement_status', 'agreement_kind')"
    " UNION ALL SELECT 'sources', NULL, count(*) FROM tallies WHERE part = 'source' AND n > 0";

/* {"total": 0, name: 0, ...} with a total first when with_total. */
static json_t *zeros(const char *const *names, bool with_total)
{
    json_t *obj = json_object();
    if (with_total && obj != NULL && json_object_set_new(obj, "total", json_integer(0)) != 0) {
        json_decref(obj);
        return NULL;
    }
    for (const char *const *n = names; obj != NULL && *n != NULL; n++) {
        if (json_object_set_new(obj, *n, json_integer(0)) != 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    return obj;
}

/* Sets obj[key] = value if key is one of obj's fixed members; a value
 * outside the schema's list (impossible with its CHECK) is left out. */
static void set_known(json_t *obj, const char *key, json_int_t value, json_int_t *total)
{
    if (key != NULL && strcmp(key, "total") != 0 && json_object_get(obj, key) != NULL) {
        json_object_set_new(obj, key, json_integer(value));
        *total += value;
    }
}

enum db_status db_relations_stats(struct db *db, json_t **out)
{
    json_t *types = zeros(db_entity_types, true), *statuses = zeros(db_agreement_statuses, false);
    json_t *kinds = zeros(db_agreement_kinds, false), *result = NULL;
    json_int_t articles = 0, quotes = 0, sources = 0, entity_total = 0, agreement_total = 0;
    json_int_t kind_total = 0;
    enum db_status rc = DB_ERR;
    int step;

    sqlite3_stmt *st = conn_list_stmt(db, stats_sql);
    if (st == NULL || types == NULL || statuses == NULL || kinds == NULL)
        goto done;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *part = conn_col_text(st, 0), *key = conn_col_text(st, 1);
        json_int_t n = sqlite3_column_int64(st, 2);
        if (strcmp(part, "articles") == 0)
            articles = n;
        else if (strcmp(part, "quotes") == 0)
            quotes = n;
        else if (strcmp(part, "sources") == 0)
            sources = n;
        else if (strcmp(part, "entity_type") == 0)
            set_known(types, key, n, &entity_total);
        else if (strcmp(part, "agreement_status") == 0)
            set_known(statuses, key, n, &agreement_total);
        else if (strcmp(part, "agreement_kind") == 0)
            set_known(kinds, key, n, &kind_total);
    }
    if (step != SQLITE_DONE) {
        rc = conn_status(db, step);
        goto done;
    }
    if (json_object_set_new(types, "total", json_integer(entity_total)) != 0)
        goto done;
    result = json_pack("{s:I, s:O, s:{s:I, s:O, s:O}, s:I, s:I}", "articles", articles,
                       "entities", types, "agreements", "total", agreement_total, "by_status",
                       statuses, "by_kind", kinds, "quotes", quotes, "sources", sources);
    if (result == NULL)
        goto done;

    *out = result;
    result = NULL;
    rc = DB_OK;
done:
    conn_done(st);
    json_decref(result);
    json_decref(kinds);
    json_decref(statuses);
    json_decref(types);
    return rc;
}
