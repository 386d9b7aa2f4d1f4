#include "server/routes.h"

#include "handlers/agreements.h"
#include "handlers/articles.h"
#include "handlers/dashboard.h"
#include "handlers/entities.h"
#include "handlers/meta.h"
#include "handlers/ops.h"
#include "handlers/quotes.h"
#include "handlers/relations.h"
#include "handlers/search.h"
#include "handlers/transfer.h"

const struct route routes[] = {
    {"GET", "/v1/articles", handle_article_list, 0},
    {"POST", "/v1/articles", handle_article_create, ROUTE_GROUP_COMMIT},
    {"GET", "/v1/articles/{id}", handle_article_get, ROUTE_UNCACHED},
    {"PATCH", "/v1/articles/{id}", handle_article_patch, ROUTE_GROUP_COMMIT},
    {"DELETE", "/v1/articles/{id}", handle_article_delete, ROUTE_GROUP_COMMIT},
    {"GET", "/v1/entities", handle_entity_list, 0},
    {"POST", "/v1/entities", handle_entity_create, ROUTE_GROUP_COMMIT},
    {"GET", "/v1/entities/{id}", handle_entity_get, 0},
    {"PATCH", "/v1/entities/{id}", handle_entity_patch, ROUTE_GROUP_COMMIT},
    {"DELETE", "/v1/entities/{id}", handle_entity_delete, ROUTE_GROUP_COMMIT},
    {"POST", "/v1/entities/{id}/aliases", handle_entity_add_aliases, ROUTE_GROUP_COMMIT},
    {"POST", "/v1/entities/{id}/merge", handle_entity_merge, ROUTE_GROUP_COMMIT},
    {"GET", "/v1/entities/{id}/related", handle_entity_related, ROUTE_SLOW},
    {"GET", "/v1/agreements", handle_agreement_list, 0},
    {"POST", "/v1/agreements", handle_agreement_create, ROUTE_GROUP_COMMIT},
    {"GET", "/v1/agreements/{id}", handle_agreement_get, 0},
    {"PATCH", "/v1/agreements/{id}", handle_agreement_patch, ROUTE_GROUP_COMMIT},
    {"DELETE", "/v1/agreements/{id}", handle_agreement_delete, ROUTE_GROUP_COMMIT},
    {"GET", "/v1/agreements/{id}/chain", handle_agreement_chain, 0},
    {"GET", "/v1/quotes", handle_quote_list, 0},
    {"POST", "/v1/quotes", handle_quote_create, ROUTE_GROUP_COMMIT},
    {"GET", "/v1/quotes/{id}", handle_quote_get, 0},
    {"PATCH", "/v1/quotes/{id}", handle_quote_patch, ROUTE_GROUP_COMMIT},
    {"DELETE", "/v1/quotes/{id}", handle_quote_delete, ROUTE_GROUP_COMMIT},
    {"GET", "/v1/search", handle_search, ROUTE_SLOW},
    {"GET", "/v1/graph", handle_graph, ROUTE_SLOW},
    {"GET", "/v1/timeline", handle_timeline, ROUTE_SLOW},
    {"GET", "/v1/stats", handle_stats, 0},
    {"POST", "/v1/import", handle_import, ROUTE_NDJSON_UPLOAD},
    {"GET", "/v1/export", handle_export, 0},
    {"GET", "/healthz", handle_healthz, ROUTE_PUBLIC | ROUTE_NO_DB},
    {"GET", "/readyz", handle_readyz, ROUTE_PUBLIC},
    {"GET", "/version", handle_version, ROUTE_PUBLIC},
    /* Scrapers and integrators carry no API key; /metrics has a token of
     * its own (--metrics-token). */
    {"GET", "/metrics", handle_metrics, ROUTE_PUBLIC | ROUTE_NO_DB},
    {"GET", "/openapi.json", handle_openapi, ROUTE_PUBLIC | ROUTE_NO_DB},
};

const size_t route_count = sizeof routes / sizeof routes[0];

/* Public and without the database: the page itself holds no data, and its
 * files must load even when the store is down, to say so. */
const struct route dashboard_routes[] = {
    {"GET", "/", handle_dashboard_page, ROUTE_PUBLIC | ROUTE_NO_DB | ROUTE_STATIC},
    {"GET", "/ui/{id}", handle_dashboard_asset, ROUTE_PUBLIC | ROUTE_NO_DB | ROUTE_STATIC},
};

const size_t dashboard_route_count = sizeof dashboard_routes / sizeof dashboard_routes[0];
