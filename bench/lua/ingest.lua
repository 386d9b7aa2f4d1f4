-- POST /v1/articles with extraction: each request is one of the articles in
-- ARTICLES_FILE (one JSON object per line: title, source, published_at,
-- body) under a title of its own, so every post is a new article.
--   KEY: an API key with the write scope
--   ARTICLES_FILE: the articles, as bench/ingest writes them
--   LIMIT: stop this thread after so many responses (0: run for the duration)
local key = os.getenv("KEY") or ""
local limit = tonumber(os.getenv("LIMIT") or "0")
local articles = {}
for line in io.lines(os.getenv("ARTICLES_FILE")) do
    articles[#articles + 1] = line
end

math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
local run_tag = string.format("%06x", math.random(0, 0xffffff))
local posted, answered = 0, 0

request = function()
    posted = posted + 1
    local article = articles[(posted - 1) % #articles + 1]
    -- Every line starts with {"title": "; a counter makes the title new.
    local body = article:gsub('^{"title": "', string.format('{"title": "%s %d ', run_tag, posted), 1)
    return wrk.format("POST", "/v1/articles", {["Authorization"] = "Bearer " .. key,
                                               ["Content-Type"] = "application/json"}, body)
end

response = function(status)
    answered = answered + 1
    if status ~= 201 then
        io.stderr:write("ingest: status " .. status .. "\n")
    end
    if limit > 0 and answered >= limit then
        wrk.thread:stop()
    end
end
