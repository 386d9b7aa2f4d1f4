/* Extraction on ingest: the extractor's JSON (extract/extract.h) written
 * into the store, each item inside a savepoint so one the store refuses
 * is left out without undoing the others. */
#include "db/extraction.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/records.h"
#include "db/text.h"
#include "extract/extract.h"

/* Bounds on one article's yield; the extractor stays far below them. */
#define EXTRACT_ITEMS_MAX 2000

struct applied {
    int64_t *entity_ids;    /* by index in the extraction's entities, 0 = left out */
    int64_t *agreement_ids; /* by index in its agreements */
    bool *agreement_new;
};

static bool savepoint(struct db *w)
{
    return conn_exec(w, "SAVEPOINT extract_item") == DB_OK;
}

/* Keeps the item's writes (ok) or undoes them; false when the store fails. */
static bool settle(struct db *w, bool ok)
{
    if (!ok && conn_exec(w, "ROLLBACK TO extract_item") != DB_OK)
        return false;
    return conn_exec(w, "RELEASE extract_item") == DB_OK;
}

static int64_t single_id(struct db *w, const char *sql, int64_t a, const char *text, const char *b)
{
    sqlite3_stmt *st = conn_stmt(w, sql);
    int64_t id = 0;
    if (st == NULL)
        return -1;
    if (a != 0)
        sqlite3_bind_int64(st, 1, a);
    if (text != NULL)
        conn_bind_text(st, 1, text);
    if (b != NULL)
        conn_bind_text(st, 2, b);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else if (step != SQLITE_DONE)
        id = -1;
    conn_done(st);
    return id;
}

/* The store's entity for an extracted one: the known id if it still is
 * that entity's, else the one of the same type whose name or an alias
 * folds equal to the name; 0 for none, -1 when the store fails. */
static int64_t find_entity(struct db *w, const json_t *ent)
{
    const char *name = json_string_value(json_object_get(ent, "name"));
    const char *type = json_string_value(json_object_get(ent, "type"));
    json_int_t known = json_integer_value(json_object_get(ent, "known"));
    char key[512];

    if (known > 0) {
        sqlite3_stmt *st = conn_stmt(w, "SELECT id FROM entities WHERE id = ?1 AND type = ?2");
        if (st == NULL)
            return -1;
        sqlite3_bind_int64(st, 1, known);
        conn_bind_text(st, 2, type);
        int step = sqlite3_step(st);
        conn_done(st);
        if (step == SQLITE_ROW)
            return known;
    }
    if (!text_fold(name, key, sizeof key))
        return 0;
    return single_id(w, "SELECT id FROM entities WHERE name_key = ?1 AND type = ?2"
                        " UNION ALL SELECT a.entity_id FROM entity_aliases a"
                        " JOIN entities e ON e.id = a.entity_id"
                        " WHERE a.alias_key = ?1 AND e.type = ?2 LIMIT 1",
                     0, key, type);
}

static void learn(struct lexicon *names, const char *surface, const json_t *ent, int64_t id)
{
    if (names != NULL)
        lexicon_add(names, surface, json_string_value(json_object_get(ent, "name")),
                    json_string_value(json_object_get(ent, "type")), id);
}

/* The mention and its offsets. INSERT OR IGNORE: a count the client gave
 * for this entity stands. */
static bool write_mention(struct db *w, int64_t article_id, int64_t entity_id, const json_t *spans)
{
    sqlite3_stmt *st = conn_stmt(w, "INSERT OR IGNORE INTO mentions (article_id, entity_id, count,"
                                    " published_at) SELECT ?1, ?2, ?3, published_at FROM articles"
                                    " WHERE id = ?1");
    if (st == NULL)
        return false;
    sqlite3_bind_int64(st, 1, article_id);
    sqlite3_bind_int64(st, 2, entity_id);
    sqlite3_bind_int64(st, 3, json_array_size(spans) > 0 ? (sqlite3_int64)json_array_size(spans) : 1);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    conn_done(st);
    if (!ok || json_array_size(spans) == 0)
        return ok;
    /* All the entity's spans in one statement: an article has a hundred. */
    char *text = json_dumps(spans, JSON_COMPACT);
    st = text ? conn_stmt(w, "INSERT OR IGNORE INTO mention_spans (article_id, entity_id, field,"
                             " span_start, span_end) SELECT ?1, ?2, value ->> 'field',"
                             " value ->> 'start', value ->> 'end' FROM json_each(?3)")
              : NULL;
    if (st != NULL) {
        sqlite3_bind_int64(st, 1, article_id);
        sqlite3_bind_int64(st, 2, entity_id);
        sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(st) == SQLITE_DONE;
        conn_done(st);
    }
    free(text);
    return st != NULL && ok;
}

static bool apply_entities(struct db *w, int64_t article_id, const json_t *ents,
                           struct lexicon *names, struct applied *out)
{
    size_t i;
    json_t *ent;
    json_array_foreach(ents, i, ent) {
        struct record_error err;
        const json_t *aliases = json_object_get(ent, "aliases");
        int64_t id = find_entity(w, ent);
        if (id < 0)
            return false;
        if (!savepoint(w))
            return false;
        bool ok = true;
        if (id == 0) {
            json_t *rec = json_pack("{s:O, s:O, s:O}", "name", json_object_get(ent, "name"),
                                    "type", json_object_get(ent, "type"), "aliases", aliases);
            ok = rec != NULL && record_insert(w, KIND_ENTITY, rec, false, &id, &err);
            json_decref(rec);
            if (!ok && rec != NULL) {
                /* An alias the store refuses should not cost the entity. */
                if (!settle(w, false) || !savepoint(w))
                    return false;
                aliases = NULL;
                rec = json_pack("{s:O, s:O}", "name", json_object_get(ent, "name"), "type",
                                json_object_get(ent, "type"));
                ok = rec != NULL && record_insert(w, KIND_ENTITY, rec, false, &id, &err);
                json_decref(rec);
            }
            if (ok) {
                size_t k;
                json_t *alias;
                learn(names, json_string_value(json_object_get(ent, "name")), ent, id);
                json_array_foreach(aliases, k, alias)
                    learn(names, json_string_value(alias), ent, id);
            }
        } else {
            /* New surface forms of a known entity become its aliases; one
             * the entity cannot take (the alias limit) is only skipped. */
            size_t k;
            json_t *alias;
            json_array_foreach(aliases, k, alias) {
                if (!savepoint(w))
                    return false;
                bool added = record_add_alias(w, id, json_string_value(alias), &err);
                if (!settle(w, added))
                    return false;
                if (added)
                    learn(names, json_string_value(alias), ent, id);
            }
        }
        ok = ok && write_mention(w, article_id, id, json_object_get(ent, "mentions"));
        if (!settle(w, ok))
            return false;
        out->entity_ids[i] = ok ? id : 0;
    }
    return true;
}

/* The store id of the extraction's entity called `name`, 0 for none. */
static int64_t entity_named(const json_t *ents, const struct applied *done, const char *name)
{
    size_t i;
    json_t *ent;
    json_array_foreach(ents, i, ent) {
        const char *n = json_string_value(json_object_get(ent, "name"));
        if (n != NULL && name != NULL && strcmp(n, name) == 0)
            return done->entity_ids[i];
    }
    return 0;
}

static json_t *entity_refs(const json_t *ents, const struct applied *done, const json_t *names)
{
    json_t *refs = json_array();
    size_t i;
    json_t *name;
    json_array_foreach(names, i, name) {
        int64_t id = entity_named(ents, done, json_string_value(name));
        bool seen = false;
        size_t k;
        json_t *r;
        json_array_foreach(refs, k, r) seen |= json_integer_value(r) == id;
        if (id > 0 && !seen)
            json_array_append_new(refs, json_integer(id));
    }
    return refs;
}

static bool apply_quotes(struct db *w, int64_t article_id, const json_t *ents, const json_t *quotes,
                         const struct applied *done)
{
    size_t i;
    json_t *q;
    json_array_foreach(quotes, i, q) {
        struct record_error err;
        int64_t speaker = entity_named(ents, done, json_string_value(json_object_get(q, "speaker")));
        if (speaker <= 0)
            continue;
        json_t *rec = json_pack("{s:I, s:I, s:O, s:O, s:O}", "article", (json_int_t)article_id,
                                "speaker", (json_int_t)speaker, "text", json_object_get(q, "text"),
                                "start", json_object_get(q, "start"), "end",
                                json_object_get(q, "end"));
        int64_t id = 0;
        if (!savepoint(w)) {
            json_decref(rec);
            return false;
        }
        bool ok = rec != NULL && record_insert(w, KIND_QUOTE, rec, false, &id, &err);
        json_decref(rec);
        if (!settle(w, ok))
            return false;
    }
    return true;
}

/* "(START)" at the end of an extracted title: the acronym, or "". */
static void title_acronym(const char *title, char *out, size_t cap)
{
    const char *open = strrchr(title, '(');
    size_t n = open ? strcspn(open + 1, ")") : 0;
    out[0] = '\0';
    if (open != NULL && n > 1 && n < cap && open[1 + n] == ')')
        snprintf(out, cap, "%.*s", (int)n, open + 1);
}

static bool word_at(const char *text, const char *hit, size_t len)
{
    bool before = hit == text || !((hit[-1] | 0x20) >= 'a' && (hit[-1] | 0x20) <= 'z');
    char after = hit[len];
    return before && !((after | 0x20) >= 'a' && (after | 0x20) <= 'z');
}

/* The store's agreement of the same kind with an equal title (case aside)
 * or the same acronym as a word of its title: "New START" for "Strategic
 * Arms Reduction Treaty (START)". 0 for none, -1 when the store fails. */
static int64_t find_agreement(struct db *w, const char *title, const char *kind)
{
    char acronym[32];
    int64_t id = single_id(w, "SELECT id FROM agreements WHERE kind = ?2 AND lower(title) = lower(?1)"
                              " ORDER BY id LIMIT 1", 0, title, kind);
    title_acronym(title, acronym, sizeof acronym);
    if (id != 0 || acronym[0] == '\0')
        return id;
    sqlite3_stmt *st = conn_stmt(w, "SELECT id, title FROM agreements WHERE kind = ?2"
                                    " AND instr(title, ?1) > 0 ORDER BY id LIMIT 50");
    if (st == NULL)
        return -1;
    conn_bind_text(st, 1, acronym);
    conn_bind_text(st, 2, kind);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = conn_col_text(st, 1);
        const char *hit = t ? strstr(t, acronym) : NULL;
        if (hit != NULL && word_at(t, hit, strlen(acronym))) {
            id = sqlite3_column_int64(st, 0);
            break;
        }
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        id = -1;
    conn_done(st);
    return id;
}

static bool link_article(struct db *w, int64_t agreement_id, int64_t article_id, const json_t *g)
{
    sqlite3_stmt *st = conn_stmt(w, "INSERT INTO agreement_articles (agreement_id, article_id,"
                                    " span_start, span_end) VALUES (?1, ?2, ?3, ?4)"
                                    " ON CONFLICT DO UPDATE SET span_start = ?3, span_end = ?4");
    if (st == NULL)
        return false;
    sqlite3_bind_int64(st, 1, agreement_id);
    sqlite3_bind_int64(st, 2, article_id);
    sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(g, "start")));
    sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(g, "end")));
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    conn_done(st);
    return ok;
}

static bool apply_agreements(struct db *w, int64_t article_id, const json_t *ents,
                             const json_t *agreements, struct applied *done)
{
    size_t i;
    json_t *g;
    json_array_foreach(agreements, i, g) {
        struct record_error err;
        const char *title = json_string_value(json_object_get(g, "title"));
        const char *kind = json_string_value(json_object_get(g, "kind"));
        if (title == NULL || kind == NULL)
            continue;
        int64_t id = find_agreement(w, title, kind);
        if (id < 0 || !savepoint(w))
            return false;
        bool ok = true;
        if (id == 0) {
            json_t *rec = json_pack("{s:O, s:O, s:O, s:O, s:o, s:o, s:[I]}", "title",
                                    json_object_get(g, "title"), "kind", json_object_get(g, "kind"),
                                    "status", json_object_get(g, "status"), "signed_on",
                                    json_object_get(g, "signed_on"), "parties",
                                    entity_refs(ents, done, json_object_get(g, "parties")),
                                    "signatories",
                                    entity_refs(ents, done, json_object_get(g, "signatories")),
                                    "articles", (json_int_t)article_id);
            ok = rec != NULL && record_insert(w, KIND_AGREEMENT, rec, true, &id, &err);
            json_decref(rec);
            done->agreement_new[i] = ok;
        }
        ok = ok && link_article(w, id, article_id, g);
        if (!settle(w, ok))
            return false;
        done->agreement_ids[i] = ok ? id : 0;
    }
    /* What supersedes what, among this article's agreements; a link the
     * store refuses (it would close a cycle) is left out. */
    json_array_foreach(agreements, i, g) {
        const char *older = json_string_value(json_object_get(g, "supersedes"));
        if (older == NULL || !done->agreement_new[i] || done->agreement_ids[i] == 0)
            continue;
        size_t k;
        json_t *o;
        json_array_foreach(agreements, k, o) {
            const char *t = json_string_value(json_object_get(o, "title"));
            if (k == i || t == NULL || strcmp(t, older) != 0 || done->agreement_ids[k] == 0)
                continue;
            struct record_error err;
            json_t *ref = json_integer(done->agreement_ids[k]);
            if (ref == NULL || !savepoint(w)) {
                json_decref(ref);
                return false;
            }
            bool ok = record_link_supersedes(w, done->agreement_ids[i], ref, true, &err);
            json_decref(ref);
            if (!settle(w, ok))
                return false;
            break;
        }
    }
    return true;
}

bool db_article_extract(struct store *store, struct db *w, int64_t article_id,
                        struct record_error *err)
{
    sqlite3_stmt *st = NULL;
    json_t *found = NULL;
    struct applied done = {0};
    bool ok = false;

    memset(err, 0, sizeof *err);
    struct lexicon *names = store_names(store, w);
    st = conn_stmt(w, "SELECT title, body, published_at FROM articles WHERE id = ?");
    if (names == NULL || st == NULL)
        goto done;
    sqlite3_bind_int64(st, 1, article_id);
    if (sqlite3_step(st) != SQLITE_ROW)
        goto done;
    struct extract_input in = {conn_col_text(st, 0), conn_col_text(st, 1), conn_col_text(st, 2)};
    found = extract_run(&in, names);
    conn_done(st);
    st = NULL;
    if (found == NULL)
        goto done;

    const json_t *ents = json_object_get(found, "entities");
    const json_t *agreements = json_object_get(found, "agreements");
    size_t nents = json_array_size(ents), nagrs = json_array_size(agreements);
    if (nents > EXTRACT_ITEMS_MAX || nagrs > EXTRACT_ITEMS_MAX)
        goto done;
    done.entity_ids = calloc(nents + 1, sizeof *done.entity_ids);
    done.agreement_ids = calloc(nagrs + 1, sizeof *done.agreement_ids);
    done.agreement_new = calloc(nagrs + 1, sizeof *done.agreement_new);
    if (done.entity_ids == NULL || done.agreement_ids == NULL || done.agreement_new == NULL)
        goto done;
    if (!apply_entities(w, article_id, ents, names, &done) ||
        !apply_quotes(w, article_id, ents, json_object_get(found, "quotes"), &done) ||
        !apply_agreements(w, article_id, ents, agreements, &done))
        goto done;
    /* The names this write added are in the lexicon already. */
    store_names_caught_up(store, w);
    ok = true;
done:
    conn_done(st);
    if (!ok) {
        store_names_drop(store);
        if (err->status == DB_OK)
            snprintf(err->message, sizeof err->message, "extraction could not be stored");
        err->status = err->status == DB_OK ? DB_ERR : err->status;
    }
    free(done.entity_ids);
    free(done.agreement_ids);
    free(done.agreement_new);
    json_decref(found);
    return ok;
}

void db_extraction_forget(struct store *store)
{
    store_names_drop(store);
}
