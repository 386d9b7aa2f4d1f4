#pragma once
/* Endpoints for operators and integrators rather than for the data:
 * the metrics scrape and the API's own contract. */

#include "server/reply.h"
#include "server/request.h"

/* GET /metrics: the Prometheus text format; 401 when a metrics token is
 * set and the request does not carry it. */
int handle_metrics(const struct request *req, struct reply *rep);

/* GET /openapi.json: the OpenAPI document embedded at build time. */
int handle_openapi(const struct request *req, struct reply *rep);
