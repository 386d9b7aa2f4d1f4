#pragma once
#include "server/reply.h"
#include "server/request.h"

#ifndef WIREBASE_VERSION
#define WIREBASE_VERSION "0.0.0"
#endif

/* GET /healthz: the process is up and answering. */
int handle_healthz(const struct request *req, struct reply *rep);

/* GET /readyz: the database answers; 503 otherwise. */
int handle_readyz(const struct request *req, struct reply *rep);

/* GET /version: build version and schema version. */
int handle_version(const struct request *req, struct reply *rep);
