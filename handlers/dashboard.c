#include "handlers/dashboard.h"

#include <stdbool.h>
#include <string.h>

#include "handlers/dashboard_assets.h"
#include "handlers/params.h"
#include "server/negotiate.h"

/* Everything the page loads or calls comes from this server: a script
 * injected through some data could neither load code from elsewhere nor
 * send anything out. No inline script or style is allowed either. */
static const char content_security_policy[] =
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

static const struct dashboard_asset *find_asset(const char *name)
{
    for (size_t i = 0; i < dashboard_asset_count; i++)
        if (strcmp(dashboard_assets[i].name, name) == 0)
            return &dashboard_assets[i];
    return NULL;
}

/* Query parameters are not checked here as they are on the API: the page
 * keeps its state after the '#', and a stray ?utm=... from a shared link
 * should still open it. */
static int serve_asset(const struct request *req, struct reply *rep,
                       const struct dashboard_asset *asset)
{
    bool packed = asset->gzip_len < asset->len &&
                  negotiate_accepts_gzip(req->header(req, "Accept-Encoding"));
    const char *etag = packed ? asset->gzip_etag : asset->etag;
    const char *held = req->header(req, "If-None-Match");

    /* The files change only with the binary, but their URLs do not: every
     * use revalidates, and an unchanged file costs a 304. */
    reply_header(rep, "Cache-Control", "no-cache");
    reply_header(rep, "Vary", REPLY_VARY_ENCODED);
    reply_header(rep, "ETag", etag);
    reply_header(rep, "Content-Security-Policy", content_security_policy);
    /* Hash routes carry entity slugs and search words: keep them here. */
    reply_header(rep, "Referrer-Policy", "no-referrer");
    if (held != NULL && etag_list_matches(held, etag)) {
        rep->status = 304;
        return rep->status;
    }
    if (packed)
        reply_header(rep, "Content-Encoding", "gzip");
    return reply_bytes(rep, 200, packed ? asset->gzip : asset->data,
                       packed ? asset->gzip_len : asset->len, asset->content_type);
}

int handle_dashboard_page(const struct request *req, struct reply *rep)
{
    const struct dashboard_asset *page = find_asset("index.html");
    if (page == NULL) {
        reply_header(rep, "Cache-Control", "no-store");
        return reply_problem(rep, 500, NULL, "the dashboard was built without its page");
    }
    return serve_asset(req, rep, page);
}

int handle_dashboard_asset(const struct request *req, struct reply *rep)
{
    const struct dashboard_asset *asset = req->id != NULL ? find_asset(req->id) : NULL;
    if (asset == NULL) {
        reply_header(rep, "Cache-Control", "no-store");
        return reply_problem(rep, 404, NULL, "no such dashboard file");
    }
    return serve_asset(req, rep, asset);
}
