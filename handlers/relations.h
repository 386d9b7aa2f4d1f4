#pragma once
/* Relations and aggregates: read-only views across resources. */

#include "server/reply.h"
#include "server/request.h"

/* A day-by-day timeline of decades would be tens of thousands of buckets
 * no chart can show: such a request is refused, not cut. */
#define TIMELINE_MAX_BUCKETS 5000
/* The agreements a timeline lists; the rest are a dated list away
 * (/v1/agreements?since=...&until=...). */
#define TIMELINE_MAX_AGREEMENTS 1000
#define GRAPH_DEFAULT_NODES 50

/* GET /v1/entities/{id}/related?limit=1..100 (20): {"data": [{id, slug, name,
 * type, shared_articles}], "entity": {id, slug, name}}, strongest first. A
 * top-N: no cursor. 404 for an unknown entity. */
int handle_entity_related(const struct request *req, struct reply *rep);

/* GET /v1/graph?entity=(required)&depth=1|2 (1)&min_weight>=1 (1)&limit=1..200
 * (50): {"nodes": [{id, slug, name, type}], "edges": [{source, target,
 * weight}]}. An unknown entity is 400, as for any filter. */
int handle_graph(const struct request *req, struct reply *rep);

/* GET /v1/timeline?entity=&since=&until=&interval=day|month|year (month):
 * {"interval", "buckets": [{period, articles, agreements}], "agreements":
 * [briefs, oldest first], "agreements_truncated": bool}. 400 naming interval
 * when the range would need more than TIMELINE_MAX_BUCKETS buckets. */
int handle_timeline(const struct request *req, struct reply *rep);

/* GET /v1/agreements/{id}/chain: {"data": [briefs]}, the supersedes chain
 * through the agreement, oldest first. 404 for an unknown agreement. */
int handle_agreement_chain(const struct request *req, struct reply *rep);

/* GET /v1/stats: totals per resource, entity type, agreement status and kind. */
int handle_stats(const struct request *req, struct reply *rep);
