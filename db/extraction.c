/* Extraction on ingest: the extractor's JSON (extract/extract.h) written
 * into the store, each item inside a savepoint so one the store refuses
 * is left out without undoing the others. */
#include "db/extraction.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/conn.h"
#include "db/records.h"
#include "db/text.h"
#include "db/validate.h"
#include "extract/extract.h"

/* Bounds on one article's yield; the extractor stays far below them. */
#define EXTRACT_ITEMS_MAX 2000

struct applied {
    int64_t title_len, body_len; /* the article's fields, in code points */
    int64_t *entity_ids;         /* by index in the extraction's entities, 0 = left out */
    int64_t *agreement_ids;      /* by index in its agreements */
    bool *agreement_new;
};

/* ---- the shape extract/extract.h promises -------------------------------- */

/* Checked before anything is written, whatever produced the JSON: a
 * malformed extraction is refused by name (DB_INVALID), never read past.
 * Offsets are only checked for type here; one outside its field is left
 * out when written (see in_field). */
static bool shape_fail(struct record_error *err, const char *list, size_t i, const char *key,
                       const char *message)
{
    char field[96];
    snprintf(field, sizeof field, "extraction.%s[%zu]%s%s", list, i, key[0] ? "." : "", key);
    return record_fail(err, DB_INVALID, field, "%s", message);
}

static bool is_name(const json_t *v)
{
    return json_is_string(v) && json_string_length(v) > 0;
}

static bool is_null_or(const json_t *v, bool (*is)(const json_t *))
{
    return v == NULL || json_is_null(v) || is(v);
}

static bool is_offset(const json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 0;
}

static bool is_text(const json_t *v)
{
    return json_is_string(v);
}

static bool is_id(const json_t *v)
{
    return json_is_integer(v);
}

/* An array of at most EXTRACT_ITEMS_MAX names, or absent or null. */
static bool is_names(const json_t *v)
{
    size_t i;
    json_t *name;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_array(v) || json_array_size(v) > EXTRACT_ITEMS_MAX)
        return false;
    json_array_foreach(v, i, name) if (!is_name(name)) return false;
    return true;
}

static bool is_spans(const json_t *v)
{
    size_t i;
    json_t *span;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_array(v) || json_array_size(v) > EXTRACT_ITEMS_MAX)
        return false;
    json_array_foreach(v, i, span) {
        const char *field = json_string_value(json_object_get(span, "field"));
        if (!json_is_object(span) || field == NULL ||
            (strcmp(field, "title") != 0 && strcmp(field, "body") != 0) ||
            !is_offset(json_object_get(span, "start")) || !is_offset(json_object_get(span, "end")))
            return false;
    }
    return true;
}

static bool check_list(const json_t *x, const char *key, struct record_error *err)
{
    const json_t *v = json_object_get(x, key);
    char field[48];
    snprintf(field, sizeof field, "extraction.%s", key);
    if (v != NULL && !json_is_null(v) && !json_is_array(v))
        return record_fail(err, DB_INVALID, field, "must be an array");
    if (json_array_size(v) > EXTRACT_ITEMS_MAX)
        return record_fail(err, DB_INVALID, field, "holds at most %d items", EXTRACT_ITEMS_MAX);
    return true;
}

static bool check_shape(const json_t *x, struct record_error *err)
{
    size_t i;
    json_t *v;

    if (!json_is_object(x))
        return record_fail(err, DB_INVALID, "extraction", "must be an object");
    if (!check_list(x, "entities", err) || !check_list(x, "quotes", err) ||
        !check_list(x, "agreements", err))
        return false;
    json_array_foreach(json_object_get(x, "entities"), i, v) {
        if (!json_is_object(v))
            return shape_fail(err, "entities", i, "", "must be an object");
        if (!is_name(json_object_get(v, "name")))
            return shape_fail(err, "entities", i, "name", "must be a name");
        if (!is_name(json_object_get(v, "type")))
            return shape_fail(err, "entities", i, "type", "must be a type");
        if (!is_names(json_object_get(v, "aliases")))
            return shape_fail(err, "entities", i, "aliases", "must be an array of names");
        if (!is_null_or(json_object_get(v, "known"), is_id))
            return shape_fail(err, "entities", i, "known", "must be an id or null");
        if (!is_spans(json_object_get(v, "mentions")))
            return shape_fail(err, "entities", i, "mentions",
                              "must be an array of {field: title|body, start, end}");
    }
    json_array_foreach(json_object_get(x, "quotes"), i, v) {
        if (!json_is_object(v))
            return shape_fail(err, "quotes", i, "", "must be an object");
        if (!is_null_or(json_object_get(v, "speaker"), is_name))
            return shape_fail(err, "quotes", i, "speaker", "must be a name or null");
        if (!is_name(json_object_get(v, "text")))
            return shape_fail(err, "quotes", i, "text", "must be text");
        if (!is_null_or(json_object_get(v, "start"), is_offset) ||
            !is_null_or(json_object_get(v, "end"), is_offset))
            return shape_fail(err, "quotes", i, "start", "offsets must be integers from 0");
    }
    json_array_foreach(json_object_get(x, "agreements"), i, v) {
        if (!json_is_object(v))
            return shape_fail(err, "agreements", i, "", "must be an object");
        if (!is_name(json_object_get(v, "title")))
            return shape_fail(err, "agreements", i, "title", "must be a title");
        if (!is_name(json_object_get(v, "kind")))
            return shape_fail(err, "agreements", i, "kind", "must be a kind");
        if (!is_null_or(json_object_get(v, "status"), is_name) ||
            !is_null_or(json_object_get(v, "signed_on"), is_text) ||
            !is_null_or(json_object_get(v, "supersedes"), is_name))
            return shape_fail(err, "agreements", i, "status",
                              "status, signed_on and supersedes must be text or null");
        if (!is_names(json_object_get(v, "parties")) ||
            !is_names(json_object_get(v, "signatories")))
            return shape_fail(err, "agreements", i, "parties",
                              "parties and signatories must be arrays of names");
        if (!is_null_or(json_object_get(v, "start"), is_offset) ||
            !is_null_or(json_object_get(v, "end"), is_offset))
            return shape_fail(err, "agreements", i, "start", "offsets must be integers from 0");
    }
    return true;
}

/* [start, end) within the article's field: an offset outside its text is
 * left out rather than stored, or the store would refuse its own export. */
static bool in_field(const struct applied *done, const char *field, const json_t *start,
                     const json_t *end)
{
    int64_t len = field != NULL && strcmp(field, "title") == 0 ? done->title_len : done->body_len;
    json_int_t a = json_integer_value(start), b = json_integer_value(end);
    return is_offset(start) && json_is_integer(end) && a < b && b <= len;
}

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

/* The mention and its offsets (those within their field). INSERT OR
 * IGNORE: a count the client gave for this entity stands. */
static bool write_mention(struct db *w, int64_t article_id, int64_t entity_id,
                          const json_t *given, const struct applied *done)
{
    sqlite3_stmt *st = NULL;
    json_t *spans = json_array();
    char *text = NULL;
    bool ok = false;
    size_t i;
    json_t *span;

    if (spans == NULL)
        goto done;
    json_array_foreach(given, i, span)
        if (in_field(done, json_string_value(json_object_get(span, "field")),
                     json_object_get(span, "start"), json_object_get(span, "end")))
            json_array_append(spans, span);
    st = conn_stmt(w, "INSERT OR IGNORE INTO mentions (article_id, entity_id, count,"
                      " published_at) SELECT ?1, ?2, ?3, published_at FROM articles"
                      " WHERE id = ?1");
    if (st == NULL)
        goto done;
    sqlite3_bind_int64(st, 1, article_id);
    sqlite3_bind_int64(st, 2, entity_id);
    sqlite3_bind_int64(st, 3, json_array_size(spans) > 0 ? (sqlite3_int64)json_array_size(spans)
                                                         : 1);
    ok = sqlite3_step(st) == SQLITE_DONE;
    conn_done(st);
    st = NULL;
    if (!ok || json_array_size(spans) == 0)
        goto done;
    /* All the entity's spans in one statement: an article has a hundred. */
    ok = false;
    text = json_dumps(spans, JSON_COMPACT);
    st = text ? conn_stmt(w, "INSERT OR IGNORE INTO mention_spans (article_id, entity_id, field,"
                             " span_start, span_end) SELECT ?1, ?2, value ->> 'field',"
                             " value ->> 'start', value ->> 'end' FROM json_each(?3)")
              : NULL;
    if (st == NULL)
        goto done;
    sqlite3_bind_int64(st, 1, article_id);
    sqlite3_bind_int64(st, 2, entity_id);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
    ok = sqlite3_step(st) == SQLITE_DONE;
done:
    conn_done(st);
    free(text);
    json_decref(spans);
    return ok;
}

/* A record refused for what it says (a rule, a reference, a taken slug)
 * is left out and the rest kept; any other failure is the store's (full,
 * busy, unreadable, or a bug) and fails the extraction. */
static bool refused(const struct record_error *err)
{
    return err->status == DB_INVALID || err->status == DB_BAD_REF ||
           err->status == DB_CONFLICT || err->status == DB_NOT_FOUND;
}

/* The store failed inside an item: err says how (read before the rollback
 * replaces the connection's error), the item's writes are undone. */
static bool item_failed(struct db *w, struct record_error *err, const struct record_error *cause)
{
    if (cause != NULL)
        *err = *cause;
    else
        validate_sql_failed(w, NULL, err);
    settle(w, false);
    return false;
}

static bool apply_entities(struct db *w, int64_t article_id, const json_t *ents,
                           struct lexicon *names, struct applied *out, struct record_error *fail)
{
    size_t i;
    json_t *ent;
    json_array_foreach(ents, i, ent) {
        struct record_error err = {0};
        const json_t *aliases = json_object_get(ent, "aliases");
        int64_t id = find_entity(w, ent);
        if (id < 0 || !savepoint(w))
            return validate_sql_failed(w, NULL, fail);
        bool ok = true;
        if (id == 0) {
            json_t *rec = json_pack("{s:O, s:O, s:O*}", "name", json_object_get(ent, "name"),
                                    "type", json_object_get(ent, "type"), "aliases", aliases);
            ok = rec != NULL && record_insert(w, KIND_ENTITY, rec, false, &id, &err);
            json_decref(rec);
            if (!ok && rec != NULL && refused(&err) && aliases != NULL) {
                /* An alias the store refuses should not cost the entity. */
                if (!settle(w, false) || !savepoint(w))
                    return validate_sql_failed(w, NULL, fail);
                aliases = NULL;
                rec = json_pack("{s:O, s:O}", "name", json_object_get(ent, "name"), "type",
                                json_object_get(ent, "type"));
                ok = rec != NULL && record_insert(w, KIND_ENTITY, rec, false, &id, &err);
                json_decref(rec);
            }
            if (!ok && !refused(&err))
                return item_failed(w, fail, rec != NULL ? &err : NULL);
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
                    return validate_sql_failed(w, NULL, fail);
                bool added = record_add_alias(w, id, json_string_value(alias), &err);
                if (!added && !refused(&err))
                    return item_failed(w, fail, &err);
                if (!settle(w, added))
                    return validate_sql_failed(w, NULL, fail);
                if (added)
                    learn(names, json_string_value(alias), ent, id);
            }
        }
        if (ok && !write_mention(w, article_id, id, json_object_get(ent, "mentions"), out))
            return item_failed(w, fail, NULL);
        if (!settle(w, ok))
            return validate_sql_failed(w, NULL, fail);
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
                         const struct applied *done, struct record_error *fail)
{
    size_t i;
    json_t *q;
    json_array_foreach(quotes, i, q) {
        struct record_error err = {0};
        const char *said_by = json_string_value(json_object_get(q, "speaker"));
        int64_t speaker = entity_named(ents, done, said_by);
        if (speaker <= 0)
            continue;
        json_t *rec = json_pack("{s:I, s:I, s:O}", "article", (json_int_t)article_id, "speaker",
                                (json_int_t)speaker, "text", json_object_get(q, "text"));
        /* Offsets outside the body are left out; the quotation is kept. */
        if (rec != NULL &&
            in_field(done, "body", json_object_get(q, "start"), json_object_get(q, "end"))) {
            json_object_set(rec, "start", json_object_get(q, "start"));
            json_object_set(rec, "end", json_object_get(q, "end"));
        }
        int64_t id = 0;
        if (rec == NULL || !savepoint(w)) {
            json_decref(rec);
            return record_fail(fail, DB_ERR, NULL, "extraction could not be stored");
        }
        bool ok = record_insert(w, KIND_QUOTE, rec, false, &id, &err);
        json_decref(rec);
        if (!ok && !refused(&err))
            return item_failed(w, fail, &err);
        if (!settle(w, ok))
            return validate_sql_failed(w, NULL, fail);
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

/* The title without a trailing agreement word ("New START treaty" → "New
 * START"), into out; the title itself when it has none or is too long. */
static void title_stem(const char *title, char *out, size_t cap)
{
    static const char *const words[] = {"treaty", "accord", "agreement", "memorandum", "plan",
                                        "deal", "pact", "protocol", NULL};
    size_t len = strlen(title);
    const char *last = strrchr(title, ' ');
    snprintf(out, cap, "%s", title);
    if (last == NULL || len >= cap)
        return;
    for (int i = 0; words[i] != NULL; i++)
        if (strcasecmp(last + 1, words[i]) == 0) {
            out[last - title] = '\0';
            return;
        }
}

/* The store's agreement of the same kind whose title is the same, case
 * aside, or the same once the new title's trailing agreement word is
 * dropped ("New START treaty" finds "New START") or the kind's word added
 * ("New START" finds "New START treaty"); else one with the new title's
 * "(ACRONYM)" as a word of its title: "New START" for "Strategic Arms
 * Reduction Treaty (START)". A rule on titles, not meanings: "Strategic
 * Arms Reduction Treaty" alone finds nothing. 0 for none, -1 when the
 * store fails. */
static int64_t find_agreement(struct db *w, const char *title, const char *kind)
{
    char acronym[32], stem[512];
    int64_t id = 0;
    title_stem(title, stem, sizeof stem);
    sqlite3_stmt *st = conn_stmt(w, "SELECT id FROM agreements WHERE kind = ?2 AND lower(title)"
                                    " IN (lower(?1), lower(?3), lower(?3 || ' ' || ?2))"
                                    " ORDER BY id LIMIT 1");
    if (st == NULL)
        return -1;
    conn_bind_text(st, 1, title);
    conn_bind_text(st, 2, kind);
    conn_bind_text(st, 3, stem);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW: id = sqlite3_column_int64(st, 0); break;
    case SQLITE_DONE: break;
    default: id = -1;
    }
    conn_done(st);
    title_acronym(title, acronym, sizeof acronym);
    if (id != 0 || acronym[0] == '\0')
        return id;
    st = conn_stmt(w, "SELECT id, title FROM agreements WHERE kind = ?2"
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

static bool link_article(struct db *w, int64_t agreement_id, int64_t article_id, const json_t *g,
                         const struct applied *done)
{
    bool placed = in_field(done, "body", json_object_get(g, "start"), json_object_get(g, "end"));
    /* Two phrases of one article can name one stored agreement ("New
     * START", later "the START treaty"): the first offsets stand. */
    sqlite3_stmt *st = conn_stmt(w, "INSERT INTO agreement_articles (agreement_id, article_id,"
                                    " span_start, span_end) VALUES (?1, ?2, ?3, ?4)"
                                    " ON CONFLICT DO UPDATE SET"
                                    " span_start = coalesce(span_start, ?3),"
                                    " span_end = CASE WHEN span_start IS NULL THEN ?4"
                                    " ELSE span_end END");
    if (st == NULL)
        return false;
    sqlite3_bind_int64(st, 1, agreement_id);
    sqlite3_bind_int64(st, 2, article_id);
    if (placed) {
        sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(g, "start")));
        sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(g, "end")));
    } else {
        sqlite3_bind_null(st, 3);
        sqlite3_bind_null(st, 4);
    }
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    conn_done(st);
    return ok;
}

static bool apply_agreements(struct db *w, int64_t article_id, const json_t *ents,
                             const json_t *agreements, struct applied *done,
                             struct record_error *fail)
{
    size_t i;
    json_t *g;
    json_array_foreach(agreements, i, g) {
        struct record_error err = {0};
        const char *title = json_string_value(json_object_get(g, "title"));
        const char *kind = json_string_value(json_object_get(g, "kind"));
        int64_t id = find_agreement(w, title, kind);
        if (id < 0 || !savepoint(w))
            return validate_sql_failed(w, NULL, fail);
        bool ok = true;
        if (id == 0) {
            json_t *rec = json_pack("{s:O, s:O, s:O*, s:O*, s:o, s:o, s:[I]}", "title",
                                    json_object_get(g, "title"), "kind", json_object_get(g, "kind"),
                                    "status", json_object_get(g, "status"), "signed_on",
                                    json_object_get(g, "signed_on"), "parties",
                                    entity_refs(ents, done, json_object_get(g, "parties")),
                                    "signatories",
                                    entity_refs(ents, done, json_object_get(g, "signatories")),
                                    "articles", (json_int_t)article_id);
            if (rec == NULL)
                return item_failed(w, fail, NULL);
            ok = record_insert(w, KIND_AGREEMENT, rec, true, &id, &err);
            json_decref(rec);
            if (!ok && !refused(&err))
                return item_failed(w, fail, &err);
            done->agreement_new[i] = ok;
        }
        if (ok && !link_article(w, id, article_id, g, done))
            return item_failed(w, fail, NULL);
        if (!settle(w, ok))
            return validate_sql_failed(w, NULL, fail);
        done->agreement_ids[i] = ok ? id : 0;
    }
    /* What supersedes what, among this article's agreements (supersedes
     * names another's title); a link the store refuses (it would close a
     * cycle) is left out. */
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
            struct record_error err = {0};
            json_t *ref = json_integer(done->agreement_ids[k]);
            if (ref == NULL || !savepoint(w)) {
                json_decref(ref);
                return record_fail(fail, DB_ERR, NULL, "extraction could not be stored");
            }
            bool ok = record_link_supersedes(w, done->agreement_ids[i], ref, true, &err);
            json_decref(ref);
            if (!ok && !refused(&err))
                return item_failed(w, fail, &err);
            if (!settle(w, ok))
                return validate_sql_failed(w, NULL, fail);
            break;
        }
    }
    return true;
}

bool db_extraction_apply(struct db *w, int64_t article_id, const json_t *extraction,
                         struct lexicon *names, struct record_error *err)
{
    sqlite3_stmt *st = NULL;
    struct applied done = {0};
    bool ok = false;

    memset(err, 0, sizeof *err);
    if (!check_shape(extraction, err))
        goto done;
    st = conn_stmt(w, "SELECT length(title), length(body) FROM articles WHERE id = ?");
    if (st == NULL)
        goto done;
    sqlite3_bind_int64(st, 1, article_id);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW: break;
    case SQLITE_DONE: record_fail(err, DB_NOT_FOUND, NULL, "no such article"); goto done;
    default: goto done;
    }
    done.title_len = sqlite3_column_int64(st, 0);
    done.body_len = sqlite3_column_int64(st, 1);
    conn_done(st);
    st = NULL;

    const json_t *ents = json_object_get(extraction, "entities");
    const json_t *agreements = json_object_get(extraction, "agreements");
    size_t nents = json_array_size(ents), nagrs = json_array_size(agreements);
    done.entity_ids = calloc(nents + 1, sizeof *done.entity_ids);
    done.agreement_ids = calloc(nagrs + 1, sizeof *done.agreement_ids);
    done.agreement_new = calloc(nagrs + 1, sizeof *done.agreement_new);
    if (done.entity_ids == NULL || done.agreement_ids == NULL || done.agreement_new == NULL)
        goto done;
    if (!apply_entities(w, article_id, ents, names, &done, err) ||
        !apply_quotes(w, article_id, ents, json_object_get(extraction, "quotes"), &done, err) ||
        !apply_agreements(w, article_id, ents, agreements, &done, err))
        goto done;
    ok = true;
done:
    conn_done(st);
    if (!ok && err->status == DB_OK) {
        err->status = DB_ERR;
        snprintf(err->message, sizeof err->message, "extraction could not be stored");
    }
    free(done.entity_ids);
    free(done.agreement_ids);
    free(done.agreement_new);
    return ok;
}

bool db_article_extract(struct store *store, struct db *w, int64_t article_id,
                        struct record_error *err)
{
    sqlite3_stmt *st = NULL;
    json_t *found = NULL;
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
    if (found == NULL || !db_extraction_apply(w, article_id, found, names, err))
        goto done;
    /* The names this write added are in the lexicon already. */
    store_names_caught_up(store, w);
    ok = true;
done:
    conn_done(st);
    if (!ok) {
        store_names_drop(store);
        if (err->status == DB_OK) {
            err->status = DB_ERR;
            snprintf(err->message, sizeof err->message, "extraction could not be stored");
        }
    }
    json_decref(found);
    return ok;
}

void db_extraction_forget(struct store *store)
{
    store_names_drop(store);
}
