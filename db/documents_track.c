#include "db/documents_track.h"

/* What an article's document shows (db/articles.c): its own row, its
 * mentions and their spans, its quotes with their speakers' slug and
 * name, its agreements' slug, title, kind, status and date. A change to
 * any of them forgets the documents it shows in. Entities and agreements
 * are looked up through their indexes by entity and by agreement. */
static const char track_sql[] =
    "CREATE TEMP TRIGGER wb_docs_article_added AFTER INSERT ON main.articles BEGIN"
    "  SELECT wb_doc_forget(NEW.id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_article_changed AFTER UPDATE ON main.articles BEGIN"
    "  SELECT wb_doc_forget(OLD.id), wb_doc_forget(NEW.id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_article_removed AFTER DELETE ON main.articles BEGIN"
    "  SELECT wb_doc_forget(OLD.id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_mention_added AFTER INSERT ON main.mentions BEGIN"
    "  SELECT wb_doc_forget(NEW.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_mention_changed AFTER UPDATE ON main.mentions BEGIN"
    "  SELECT wb_doc_forget(OLD.article_id), wb_doc_forget(NEW.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_mention_removed AFTER DELETE ON main.mentions BEGIN"
    "  SELECT wb_doc_forget(OLD.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_span_added AFTER INSERT ON main.mention_spans BEGIN"
    "  SELECT wb_doc_forget(NEW.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_span_changed AFTER UPDATE ON main.mention_spans BEGIN"
    "  SELECT wb_doc_forget(OLD.article_id), wb_doc_forget(NEW.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_span_removed AFTER DELETE ON main.mention_spans BEGIN"
    "  SELECT wb_doc_forget(OLD.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_quote_added AFTER INSERT ON main.quotes BEGIN"
    "  SELECT wb_doc_forget(NEW.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_quote_changed AFTER UPDATE ON main.quotes BEGIN"
    "  SELECT wb_doc_forget(OLD.article_id), wb_doc_forget(NEW.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_quote_removed AFTER DELETE ON main.quotes BEGIN"
    "  SELECT wb_doc_forget(OLD.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_link_added AFTER INSERT ON main.agreement_articles BEGIN"
    "  SELECT wb_doc_forget(NEW.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_link_changed AFTER UPDATE ON main.agreement_articles BEGIN"
    "  SELECT wb_doc_forget(OLD.article_id), wb_doc_forget(NEW.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_link_removed AFTER DELETE ON main.agreement_articles BEGIN"
    "  SELECT wb_doc_forget(OLD.article_id);"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_entity_changed AFTER UPDATE ON main.entities"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.slug IS NOT NEW.slug OR OLD.name IS NOT NEW.name"
    "    OR OLD.type IS NOT NEW.type BEGIN"
    "  SELECT wb_doc_forget(article_id) FROM main.mentions WHERE entity_id = OLD.id;"
    "  SELECT wb_doc_forget(article_id) FROM main.quotes WHERE speaker_id = OLD.id;"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_entity_removed BEFORE DELETE ON main.entities BEGIN"
    "  SELECT wb_doc_forget(article_id) FROM main.mentions WHERE entity_id = OLD.id;"
    "  SELECT wb_doc_forget(article_id) FROM main.quotes WHERE speaker_id = OLD.id;"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_agreement_changed AFTER UPDATE ON main.agreements"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.slug IS NOT NEW.slug OR OLD.title IS NOT NEW.title"
    "    OR OLD.kind IS NOT NEW.kind OR OLD.status IS NOT NEW.status"
    "    OR OLD.signed_on IS NOT NEW.signed_on OR OLD.signed_key IS NOT NEW.signed_key BEGIN"
    "  SELECT wb_doc_forget(article_id) FROM main.agreement_articles WHERE agreement_id = OLD.id;"
    " END;"
    "CREATE TEMP TRIGGER wb_docs_agreement_removed BEFORE DELETE ON main.agreements BEGIN"
    "  SELECT wb_doc_forget(article_id) FROM main.agreement_articles WHERE agreement_id = OLD.id;"
    " END;";

static void forget_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER)
        documents_forget(sqlite3_user_data(ctx), sqlite3_value_int64(argv[0]));
    sqlite3_result_null(ctx);
}

bool documents_track(struct db *w, struct documents *docs)
{
    return sqlite3_create_function_v2(w->handle, "wb_doc_forget", 1, SQLITE_UTF8, docs,
                                      forget_function, NULL, NULL, NULL) == SQLITE_OK &&
           sqlite3_exec(w->handle, track_sql, NULL, NULL, NULL) == SQLITE_OK;
}
