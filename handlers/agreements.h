#pragma once
#include "server/reply.h"
#include "server/request.h"

/* GET /v1/agreements: filters party, signatory, kind, status, since, until
 * (on signed_on). */
int handle_agreement_list(const struct request *req, struct reply *rep);

/* GET /v1/agreements/{id}: with parties, signatories, supersedes links and
 * articles. */
int handle_agreement_get(const struct request *req, struct reply *rep);

/* POST /v1/agreements, PATCH and DELETE /v1/agreements/{id}: see handlers/records.h. */
int handle_agreement_create(const struct request *req, struct reply *rep);
int handle_agreement_patch(const struct request *req, struct reply *rep);
int handle_agreement_delete(const struct request *req, struct reply *rep);
