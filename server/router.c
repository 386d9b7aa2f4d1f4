#include "server/router.h"

#include <stdio.h>
#include <string.h>

/* Compares a pattern with a path segment by segment; on success points id at
 * the path's {id} segment. Byte by byte with an early exit: most of the
 * table differs from a path within its first segment, and every request
 * runs this against every route. */
static bool pattern_matches(const char *pattern, const char *path, const char **id,
                            size_t *id_len)
{
    *id = NULL;
    *id_len = 0;
    while (*pattern != '\0' && *path != '\0') {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++;
        path++;
        if (strncmp(pattern, "{id}", 4) == 0 && (pattern[4] == '/' || pattern[4] == '\0')) {
            const char *end = path;
            while (*end != '\0' && *end != '/')
                end++;
            if (end == path)
                return false;
            *id = path;
            *id_len = (size_t)(end - path);
            pattern += 4;
            path = end;
            continue;
        }
        while (*pattern != '\0' && *pattern != '/' && *pattern == *path) {
            pattern++;
            path++;
        }
        /* Both segments must end here. */
        if ((*pattern != '\0' && *pattern != '/') || (*path != '\0' && *path != '/'))
            return false;
    }
    return *pattern == '\0' && *path == '\0';
}

static void add_allowed(char *allow, size_t len, const char *method)
{
    /* Each method once, in table order. */
    size_t mlen = strlen(method);
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += mlen)
        if ((p == allow || p[-1] == ' ') && (p[mlen] == ',' || p[mlen] == '\0'))
            return;
    size_t used = strlen(allow);
    snprintf(allow + used, len - used, "%s%s", used ? ", " : "", method);
}

enum route_result router_match(const struct route *routes, size_t count, const char *method,
                               const char *path, struct route_match *match)
{
    const char *wanted = strcmp(method, "HEAD") == 0 ? "GET" : method;

    match->route = match->path_route = NULL;
    match->id = NULL;
    match->id_len = 0;
    match->allow[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *id;
        size_t id_len;
        if (!pattern_matches(routes[i].pattern, path, &id, &id_len))
            continue;
        if (match->path_route == NULL)
            match->path_route = &routes[i];
        if (strcmp(routes[i].method, wanted) == 0) {
            match->route = &routes[i];
            match->id = id;
            match->id_len = id_len;
            return ROUTE_FOUND;
        }
    }
    if (match->path_route == NULL)
        return ROUTE_NOT_FOUND;
    /* Only a 405 or a preflight needs the methods the path allows. */
    for (size_t i = 0; i < count; i++) {
        const char *id;
        size_t id_len;
        if (!pattern_matches(routes[i].pattern, path, &id, &id_len))
            continue;
        add_allowed(match->allow, sizeof match->allow, routes[i].method);
        if (strcmp(routes[i].method, "GET") == 0)
            add_allowed(match->allow, sizeof match->allow, "HEAD");
    }
    return ROUTE_BAD_METHOD;
}
