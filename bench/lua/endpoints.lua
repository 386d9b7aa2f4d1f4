-- One wrk script for every read endpoint: ENDPOINT picks what each request
-- asks for, with ids, slugs and terms drawn at random so caches and
-- indexes are exercised as a dashboard would.
--   ENDPOINT=article|list|list_entity|entity|agreement|search|related|
--            graph|timeline|stats|revalidate
--   ARTICLES, ENTITIES, AGREEMENTS: how many the store holds
--   ETAG: for revalidate, the tag of REVALIDATE_PATH
local endpoint = os.getenv("ENDPOINT") or "article"
local articles = tonumber(os.getenv("ARTICLES") or "1000")
local entities = tonumber(os.getenv("ENTITIES") or "100")
local agreements = tonumber(os.getenv("AGREEMENTS") or "10")
local etag = os.getenv("ETAG") or ""
local revalidate_path = os.getenv("REVALIDATE_PATH") or "/v1/articles/1"
local terms = {"memorandum", "treaty", "defense", "minister", "accord", "signed",
               "cooperation", "security", "talks", "agreement", "ratify", "deal"}

math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)

local function pick(n) return math.random(1, math.max(n, 1)) end

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
    end
    return wrk.format("GET", path)
end

-- wrk counts answers of 400 and above in summary.errors.status: the table
-- reports them, so a run against a wrong store cannot pass for a fast one.
done = function(summary, latency, requests)
    io.write(string.format("RESULT %s %.0f %.3f %.3f %d\n", endpoint,
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.errors.status + summary.errors.connect + summary.errors.read +
        summary.errors.write + summary.errors.timeout))
end
