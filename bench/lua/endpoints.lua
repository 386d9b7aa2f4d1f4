-- One wrk script for every read endpoint: ENDPOINT picks what each request
-- asks for, with ids, slugs and terms drawn at random so caches and
-- indexes are exercised as a dashboard would.
--   ENDPOINT=article|list|list_entity|entity|agreement|search|related|
--            graph|timeline|stats|revalidate|post
--   ARTICLES, ENTITIES, AGREEMENTS: how many the store holds
--   ETAG: for revalidate, the tag of REVALIDATE_PATH
--   KEY: for post, an API key with the write scope
-- Any other path (the baseline server) answers the same to every request.
local endpoint = os.getenv("ENDPOINT") or "article"
local articles = tonumber(os.getenv("ARTICLES") or "1000")
local entities = tonumber(os.getenv("ENTITIES") or "100")
local agreements = tonumber(os.getenv("AGREEMENTS") or "10")
local etag = os.getenv("ETAG") or ""
local revalidate_path = os.getenv("REVALIDATE_PATH") or "/v1/articles/1"
local key = os.getenv("KEY") or ""
local terms = {"memorandum", "treaty", "defense", "minister", "accord", "signed",
               "cooperation", "security", "talks", "agreement", "ratify", "deal"}

math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)

local function pick(n) return math.random(1, math.max(n, 1)) end

-- Each post is a new article with a title of its own (a run tag, then a
-- counter), so its slug is new too: a write, never a replay. About 2 KB of
-- body, mentioning two entities of the store.
local run_tag = string.format("%06x", math.random(0, 0xffffff))
local posted = 0
local post_body_text = string.rep("The ministers agreed to meet again before the summit. ", 36)
local function post_request()
    posted = posted + 1
    local first = pick(entities)
    local body = string.format(
        '{"title": "Bench post %s %d", "source": "Bench Wire", "published_at": "2026-11-28",' ..
        ' "body": "%s", "mentions": [{"entity": "%d", "count": 1}, {"entity": "%d", "count": 2}]}',
        run_tag, posted, post_body_text, first, first % entities + 1)
    -- Issue 5's write target is for posts without extraction; bench/ingest
    -- measures posts with it.
    return wrk.format("POST", "/v1/articles?extract=false", {["Authorization"] = "Bearer " .. key,
        ["Content-Type"] = "application/json"}, body)
end

request = function()
    local path
    if endpoint == "article" then
        path = "/v1/articles/" .. pick(articles)
    elseif endpoint == "list" then
        path = "/v1/articles?limit=20"
    elseif endpoint == "list_entity" then
        path = "/v1/articles?limit=20&entity=" .. pick(math.min(entities, 200))
    elseif endpoint == "entity" then
        path = "/v1/entities/" .. pick(entities)
    elseif endpoint == "agreement" then
        path = "/v1/agreements/" .. pick(agreements)
    elseif endpoint == "search" then
        if math.random() < 0.5 then
            path = "/v1/search?q=" .. terms[pick(#terms)]
        else
            path = "/v1/search?q=" .. terms[pick(#terms)] .. "+" .. terms[pick(#terms)]
        end
    elseif endpoint == "related" then
        path = "/v1/entities/" .. pick(entities) .. "/related?limit=10"
    elseif endpoint == "graph" then
        path = "/v1/graph?entity=" .. pick(entities) .. "&depth=1&limit=30"
    elseif endpoint == "timeline" then
        path = "/v1/timeline?interval=year&entity=" .. pick(entities)
    elseif endpoint == "stats" then
        path = "/v1/stats"
    elseif endpoint == "revalidate" then
        return wrk.format("GET", revalidate_path, {["If-None-Match"] = etag})
    elseif endpoint == "post" then
        return post_request()
    end
    return wrk.format("GET", path)
end

-- wrk counts answers of 400 and above in summary.errors.status: the table
-- reports them, so a run against a wrong store cannot pass for a fast one.
done = function(summary, latency, requests)
    io.write(string.format("RESULT %s %.0f %.3f %.3f %d %d %.6f\n", endpoint,
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.errors.status + summary.errors.connect + summary.errors.read +
        summary.errors.write + summary.errors.timeout,
        summary.requests, summary.duration / 1e6))
end
