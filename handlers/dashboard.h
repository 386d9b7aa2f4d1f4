#pragma once
/* The browser dashboard: its page and files, served from memory. */

#include "server/reply.h"
#include "server/request.h"

/* GET /: the dashboard's page. */
int handle_dashboard_page(const struct request *req, struct reply *rep);

/* GET /ui/{id}: one of the page's files (script, style sheet, icon); 404
 * for any other name. */
int handle_dashboard_asset(const struct request *req, struct reply *rep);
