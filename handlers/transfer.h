#pragma once
#include "server/reply.h"
#include "server/request.h"

/* POST /v1/import (application/x-ndjson): one record per line, all or
 * nothing (422 naming the first bad line), or ?mode=partial to keep the
 * good lines and report each bad one. The body arrives spooled to disk. */
int handle_import(const struct request *req, struct reply *rep);

/* GET /v1/export: the whole store as NDJSON in import's format, streamed
 * from one snapshot. */
int handle_export(const struct request *req, struct reply *rep);
