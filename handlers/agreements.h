#pragma once
#include "server/reply.h"
#include "server/request.h"

/* GET /v1/agreements: filters party, signatory, kind, status, since, until
 * (on signed_on). */
int handle_agreement_list(const struct request *req, struct reply *rep);

/* GET /v1/agreements/{id}: with parties, signatories, supersedes links and
 * articles. */
int handle_agreement_get(const struct request *req, struct reply *rep);
