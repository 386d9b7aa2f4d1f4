#include "db/schema.h"

#include <stdio.h>

/* Migrations, oldest first. The database's PRAGMA user_version is the number
 * of migrations applied; a migration is never edited once released, only
 * followed by another. */
static const char *const migrations[] = {
    /* 1: the core tables. */
    "CREATE TABLE articles ("
    "  id INTEGER PRIMARY KEY,"
    "  slug TEXT NOT NULL UNIQUE,"
    "  title TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  url TEXT,"
    "  published_at TEXT NOT NULL,"
    "  summary TEXT,"
    "  body TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
    "  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    /* The list order (newest first) and the source filter walk these. */
    "CREATE INDEX articles_by_date ON articles (published_at DESC, id DESC);"
    "CREATE INDEX articles_by_source ON articles (source, published_at DESC, id DESC);"

    /* name_key is the name folded for prefix search and sorting; kept by the
     * store's code, which folds the same way for queries. The counts are
     * kept by the mention triggers below so sorting by them can use an
     * index instead of aggregating on every request. */
    "CREATE TABLE entities ("
    "  id INTEGER PRIMARY KEY,"
    "  slug TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  name_key TEXT NOT NULL,"
    "  type TEXT NOT NULL CHECK (type IN ('person', 'organization', 'location', 'product')),"
    "  description TEXT,"
    "  article_count INTEGER NOT NULL DEFAULT 0,"
    "  mention_count INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
    "  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE INDEX entities_by_name ON entities (name_key, id);"
    "CREATE INDEX entities_by_type_name ON entities (type, name_key, id);"
    "CREATE INDEX entities_by_mentions ON entities (mention_count DESC, id);"
    "CREATE INDEX entities_by_type_mentions ON entities (type, mention_count DESC, id);"

    "CREATE TABLE entity_aliases ("
    "  entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  alias TEXT NOT NULL,"
    "  alias_key TEXT NOT NULL,"
    "  PRIMARY KEY (entity_id, alias)) WITHOUT ROWID;"
    "CREATE INDEX entity_aliases_by_key ON entity_aliases (alias_key, entity_id);"

    /* published_at is copied from the article so a page of an entity's
     * articles is one ordered index range, not a sort of all its mentions. */
    "CREATE TABLE mentions ("
    "  article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,"
    "  entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,"
    "  count INTEGER NOT NULL CHECK (count > 0),"
    "  published_at TEXT NOT NULL,"
    "  PRIMARY KEY (article_id, entity_id)) WITHOUT ROWID;"
    "CREATE INDEX mentions_by_entity ON mentions (entity_id, published_at DESC, article_id DESC);"
    "CREATE TRIGGER mentions_added AFTER INSERT ON mentions BEGIN"
    "  UPDATE entities SET article_count = article_count + 1,"
    "                      mention_count = mention_count + NEW.count"
    "   WHERE id = NEW.entity_id;"
    " END;"
    "CREATE TRIGGER mentions_removed AFTER DELETE ON mentions BEGIN"
    "  UPDATE entities SET article_count = article_count - 1,"
    "                      mention_count = mention_count - OLD.count"
    "   WHERE id = OLD.entity_id;"
    " END;"
    "CREATE TRIGGER mentions_recounted AFTER UPDATE OF count, entity_id ON mentions BEGIN"
    "  UPDATE entities SET article_count = article_count - 1,"
    "                      mention_count = mention_count - OLD.count"
    "   WHERE id = OLD.entity_id;"
    "  UPDATE entities SET article_count = article_count + 1,"
    "                      mention_count = mention_count + NEW.count"
    "   WHERE id = NEW.entity_id;"
    " END;"
    "CREATE TRIGGER articles_redated AFTER UPDATE OF published_at ON articles BEGIN"
    "  UPDATE mentions SET published_at = NEW.published_at WHERE article_id = NEW.id;"
    " END;"

    "CREATE TABLE quotes ("
    "  id INTEGER PRIMARY KEY,"
    "  slug TEXT NOT NULL UNIQUE,"
    "  article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,"
    "  speaker_id INTEGER NOT NULL REFERENCES entities (id),"
    "  text TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
    "  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE INDEX quotes_by_article ON quotes (article_id, id);"
    "CREATE INDEX quotes_by_speaker ON quotes (speaker_id, id);"

    /* signed_key orders undated agreements after dated ones in the
     * newest-first list without NULL special cases in the keyset. */
    "CREATE TABLE agreements ("
    "  id INTEGER PRIMARY KEY,"
    "  slug TEXT NOT NULL UNIQUE,"
    "  title TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('memorandum', 'treaty', 'accord', 'plan', 'deal',"
    "                                     'agreement')),"
    "  status TEXT NOT NULL CHECK (status IN ('proposed', 'signed', 'pending_ratification',"
    "                                         'in_force', 'superseded', 'expired')),"
    "  signed_on TEXT,"
    "  signed_key TEXT GENERATED ALWAYS AS (coalesce(signed_on, '')) VIRTUAL,"
    "  summary TEXT,"
    "  supersedes_id INTEGER REFERENCES agreements (id) ON DELETE SET NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
    "  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE INDEX agreements_by_date ON agreements (signed_key DESC, id DESC);"
    "CREATE INDEX agreements_by_kind ON agreements (kind, signed_key DESC, id DESC);"
    "CREATE INDEX agreements_by_status ON agreements (status, signed_key DESC, id DESC);"
    "CREATE INDEX agreements_by_supersedes ON agreements (supersedes_id);"

    /* position keeps the order the record gave (\"United States, Russia\"). */
    "CREATE TABLE agreement_parties ("
    "  agreement_id INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,"
    "  entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  PRIMARY KEY (agreement_id, entity_id)) WITHOUT ROWID;"
    "CREATE INDEX agreement_parties_by_entity ON agreement_parties (entity_id, agreement_id);"
    "CREATE TABLE agreement_signatories ("
    "  agreement_id INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,"
    "  entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  PRIMARY KEY (agreement_id, entity_id)) WITHOUT ROWID;"
    "CREATE INDEX agreement_signatories_by_entity"
    "  ON agreement_signatories (entity_id, agreement_id);"
    "CREATE TABLE agreement_articles ("
    "  agreement_id INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,"
    "  article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,"
    "  PRIMARY KEY (agreement_id, article_id)) WITHOUT ROWID;"
    "CREATE INDEX agreement_articles_by_article ON agreement_articles (article_id, agreement_id);",

    /* 2: writes. version is bumped by every change of a record and is its
     * ETag, so If-Match catches lost updates at any speed (updated_at has
     * one-second resolution). */
    "ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE entities ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE quotes ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE agreements ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
    /* API keys: the secret is kept only as a SHA-256 hash; public_id finds
     * the row so the secret's hash is compared once, in constant time. */
    "CREATE TABLE api_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  public_id TEXT NOT NULL UNIQUE,"
    "  secret_hash TEXT NOT NULL,"
    "  scope TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
    "  revoked_at TEXT);"
    /* Answers to POSTs sent with an Idempotency-Key, kept 24 hours so a
     * retried request gets the first answer instead of a second record. */
    "CREATE TABLE idempotency_keys ("
    "  key TEXT NOT NULL,"
    "  scope TEXT NOT NULL,"
    "  request_hash TEXT NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  location TEXT,"
    "  body TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (key, scope)) WITHOUT ROWID;"
    "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);",

    /* 3: one version counter for the whole store, bumped by every write
     * transaction; a changed record takes the counter's value as its
     * version. Versions then never repeat, not even for a new record that
     * reuses a deleted record's id, so an old ETag can never match it. */
    "CREATE TABLE store_meta ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  version INTEGER NOT NULL);"
    "INSERT INTO store_meta (id, version) SELECT 1, 1 + max("
    "  (SELECT coalesce(max(version), 0) FROM articles),"
    "  (SELECT coalesce(max(version), 0) FROM entities),"
    "  (SELECT coalesce(max(version), 0) FROM quotes),"
    "  (SELECT coalesce(max(version), 0) FROM agreements));"
    "CREATE TRIGGER articles_versioned AFTER INSERT ON articles BEGIN"
    "  UPDATE articles SET version = (SELECT version FROM store_meta) WHERE id = NEW.id;"
    " END;"
    "CREATE TRIGGER entities_versioned AFTER INSERT ON entities BEGIN"
    "  UPDATE entities SET version = (SELECT version FROM store_meta) WHERE id = NEW.id;"
    " END;"
    "CREATE TRIGGER quotes_versioned AFTER INSERT ON quotes BEGIN"
    "  UPDATE quotes SET version = (SELECT version FROM store_meta) WHERE id = NEW.id;"
    " END;"
    "CREATE TRIGGER agreements_versioned AFTER INSERT ON agreements BEGIN"
    "  UPDATE agreements SET version = (SELECT version FROM store_meta) WHERE id = NEW.id;"
    " END;",

    /* 4: full-text search (db/search.c). The indexes are kept by triggers,
     * not by the writers, so every way of writing (API, import, dataset
     * load, merge, cascading deletes) keeps them in step by construction.
     * unicode61 with remove_diacritics 2 folds case and accents, so
     * "serdyukov" finds "Sérdyukov".
     *
     * Articles and quotes are external-content tables over their own rows
     * (rowid = the record's id): bodies reach 512 KiB, and a second copy
     * inside the index would double the store. snippet() reads the text
     * back from the record. External content needs the exact old text to
     * delete a row's terms; the triggers have it in OLD.
     *
     * Entities are indexed with their aliases, which live in another
     * table, so their document is assembled, and an external-content
     * delete would have to rebuild the old alias list exactly. These
     * documents are a few hundred bytes, so entity_fts keeps its own copy
     * instead (a plain FTS5 table, rowid = entity id): any trigger can then
     * rewrite the row from the current state, in any order of cascades.
     *
     * The WHEN clauses skip reindexing a body when a write only changed
     * other columns (a PATCH of the source, a version bump). */
    "CREATE VIRTUAL TABLE article_fts USING fts5 (title, summary, body,"
    "  content = 'articles', content_rowid = 'id',"
    "  tokenize = 'unicode61 remove_diacritics 2');"
    "CREATE VIRTUAL TABLE quote_fts USING fts5 (text,"
    "  content = 'quotes', content_rowid = 'id',"
    "  tokenize = 'unicode61 remove_diacritics 2');"
    "CREATE VIRTUAL TABLE entity_fts USING fts5 (name, aliases,"
    "  tokenize = 'unicode61 remove_diacritics 2');"
    "INSERT INTO article_fts (article_fts) VALUES ('rebuild');"
    "INSERT INTO quote_fts (quote_fts) VALUES ('rebuild');"
    "INSERT INTO entity_fts (rowid, name, aliases)"
    "  SELECT e.id, e.name, (SELECT group_concat(alias, '; ') FROM (SELECT alias"
    "    FROM entity_aliases WHERE entity_id = e.id ORDER BY position))"
    "  FROM entities e;"

    "CREATE TRIGGER articles_fts_added AFTER INSERT ON articles BEGIN"
    "  INSERT INTO article_fts (rowid, title, summary, body)"
    "   VALUES (NEW.id, NEW.title, NEW.summary, NEW.body);"
    " END;"
    "CREATE TRIGGER articles_fts_removed AFTER DELETE ON articles BEGIN"
    "  INSERT INTO article_fts (article_fts, rowid, title, summary, body)"
    "   VALUES ('delete', OLD.id, OLD.title, OLD.summary, OLD.body);"
    " END;"
    "CREATE TRIGGER articles_fts_changed AFTER UPDATE OF id, title, summary, body ON articles"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.title IS NOT NEW.title"
    "    OR OLD.summary IS NOT NEW.summary OR OLD.body IS NOT NEW.body BEGIN"
    "  INSERT INTO article_fts (article_fts, rowid, title, summary, body)"
    "   VALUES ('delete', OLD.id, OLD.title, OLD.summary, OLD.body);"
    "  INSERT INTO article_fts (rowid, title, summary, body)"
    "   VALUES (NEW.id, NEW.title, NEW.summary, NEW.body);"
    " END;"

    "CREATE TRIGGER quotes_fts_added AFTER INSERT ON quotes BEGIN"
    "  INSERT INTO quote_fts (rowid, text) VALUES (NEW.id, NEW.text);"
    " END;"
    "CREATE TRIGGER quotes_fts_removed AFTER DELETE ON quotes BEGIN"
    "  INSERT INTO quote_fts (quote_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);"
    " END;"
    "CREATE TRIGGER quotes_fts_changed AFTER UPDATE OF id, text ON quotes"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.text IS NOT NEW.text BEGIN"
    "  INSERT INTO quote_fts (quote_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);"
    "  INSERT INTO quote_fts (rowid, text) VALUES (NEW.id, NEW.text);"
    " END;"

    "CREATE TRIGGER entities_fts_added AFTER INSERT ON entities BEGIN"
    "  INSERT INTO entity_fts (rowid, name, aliases)"
    "   VALUES (NEW.id, NEW.name, (SELECT group_concat(alias, '; ') FROM (SELECT alias"
    "     FROM entity_aliases WHERE entity_id = NEW.id ORDER BY position)));"
    " END;"
    "CREATE TRIGGER entities_fts_removed AFTER DELETE ON entities BEGIN"
    "  DELETE FROM entity_fts WHERE rowid = OLD.id;"
    " END;"
    "CREATE TRIGGER entities_fts_changed AFTER UPDATE OF id, name ON entities"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.name IS NOT NEW.name BEGIN"
    "  DELETE FROM entity_fts WHERE rowid = OLD.id;"
    "  INSERT INTO entity_fts (rowid, name, aliases)"
    "   VALUES (NEW.id, NEW.name, (SELECT group_concat(alias, '; ') FROM (SELECT alias"
    "     FROM entity_aliases WHERE entity_id = NEW.id ORDER BY position)));"
    " END;"
    /* An alias change rewrites its entity's row. When the entity itself is
     * being deleted, its aliases go by cascade after the entity row, and
     * these updates find no row to change. */
    "CREATE TRIGGER entity_aliases_fts_added AFTER INSERT ON entity_aliases BEGIN"
    "  UPDATE entity_fts SET aliases = (SELECT group_concat(alias, '; ') FROM (SELECT alias"
    "    FROM entity_aliases WHERE entity_id = NEW.entity_id ORDER BY position))"
    "   WHERE rowid = NEW.entity_id;"
    " END;"
    "CREATE TRIGGER entity_aliases_fts_removed AFTER DELETE ON entity_aliases BEGIN"
    "  UPDATE entity_fts SET aliases = (SELECT group_concat(alias, '; ') FROM (SELECT alias"
    "    FROM entity_aliases WHERE entity_id = OLD.entity_id ORDER BY position))"
    "   WHERE rowid = OLD.entity_id;"
    " END;"
    "CREATE TRIGGER entity_aliases_fts_changed AFTER UPDATE ON entity_aliases BEGIN"
    "  UPDATE entity_fts SET aliases = (SELECT group_concat(alias, '; ') FROM (SELECT alias"
    "    FROM entity_aliases WHERE entity_id = OLD.entity_id ORDER BY position))"
    "   WHERE rowid = OLD.entity_id;"
    "  UPDATE entity_fts SET aliases = (SELECT group_concat(alias, '; ') FROM (SELECT alias"
    "    FROM entity_aliases WHERE entity_id = NEW.entity_id ORDER BY position))"
    "   WHERE rowid = NEW.entity_id;"
    " END;",

    /* 5: tallies for GET /v1/stats. Counting a million articles, or their
     * distinct sources, takes most of a second however it is indexed; the
     * triggers keep each count as a row instead, so stats reads a few
     * dozen rows whatever the store's size. One row per (part, key):
     * ('articles', ''), ('quotes', ''), ('source', <source>) while the
     * source has articles, ('entity_type', <type>), ('agreement_status',
     * <status>) and ('agreement_kind', <kind>). Like the search indexes,
     * they are kept by triggers, so every way of writing keeps them. */
    "CREATE TABLE tallies ("
    "  part TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY (part, key)) WITHOUT ROWID;"
    "INSERT INTO tallies SELECT 'articles', '', count(*) FROM articles;"
    "INSERT INTO tallies SELECT 'quotes', '', count(*) FROM quotes;"
    "INSERT INTO tallies SELECT 'source', source, count(*) FROM articles GROUP BY source;"
    "INSERT INTO tallies SELECT 'entity_type', type, count(*) FROM entities GROUP BY type;"
    "INSERT INTO tallies SELECT 'agreement_status', status, count(*) FROM agreements"
    "  GROUP BY status;"
    "INSERT INTO tallies SELECT 'agreement_kind', kind, count(*) FROM agreements GROUP BY kind;"
    /* An entity page shows how many quotes the entity speaks; a hub
     * speaker has tens of thousands. */
    "ALTER TABLE entities ADD COLUMN quote_count INTEGER NOT NULL DEFAULT 0;"
    "UPDATE entities SET quote_count = (SELECT count(*) FROM quotes WHERE speaker_id = entities.id);"

    "CREATE TRIGGER articles_tallied AFTER INSERT ON articles BEGIN"
    "  INSERT INTO tallies VALUES ('articles', '', 1)"
    "   ON CONFLICT DO UPDATE SET n = n + 1;"
    "  INSERT INTO tallies VALUES ('source', NEW.source, 1)"
    "   ON CONFLICT DO UPDATE SET n = n + 1;"
    " END;"
    "CREATE TRIGGER articles_untallied AFTER DELETE ON articles BEGIN"
    "  UPDATE tallies SET n = n - 1 WHERE part = 'articles' AND key = '';"
    "  UPDATE tallies SET n = n - 1 WHERE part = 'source' AND key = OLD.source;"
    "  DELETE FROM tallies WHERE part = 'source' AND key = OLD.source AND n <= 0;"
    " END;"
    "CREATE TRIGGER articles_retallied AFTER UPDATE OF source ON articles"
    "  WHEN OLD.source IS NOT NEW.source BEGIN"
    "  UPDATE tallies SET n = n - 1 WHERE part = 'source' AND key = OLD.source;"
    "  DELETE FROM tallies WHERE part = 'source' AND key = OLD.source AND n <= 0;"
    "  INSERT INTO tallies VALUES ('source', NEW.source, 1)"
    "   ON CONFLICT DO UPDATE SET n = n + 1;"
    " END;"
    "CREATE TRIGGER quotes_tallied AFTER INSERT ON quotes BEGIN"
    "  INSERT INTO tallies VALUES ('quotes', '', 1)"
    "   ON CONFLICT DO UPDATE SET n = n + 1;"
    "  UPDATE entities SET quote_count = quote_count + 1 WHERE id = NEW.speaker_id;"
    " END;"
    "CREATE TRIGGER quotes_untallied AFTER DELETE ON quotes BEGIN"
    "  UPDATE tallies SET n = n - 1 WHERE part = 'quotes' AND key = '';"
    "  UPDATE entities SET quote_count = quote_count - 1 WHERE id = OLD.speaker_id;"
    " END;"
    "CREATE TRIGGER quotes_retallied AFTER UPDATE OF speaker_id ON quotes"
    "  WHEN OLD.speaker_id IS NOT NEW.speaker_id BEGIN"
    "  UPDATE entities SET quote_count = quote_count - 1 WHERE id = OLD.speaker_id;"
    "  UPDATE entities SET quote_count = quote_count + 1 WHERE id = NEW.speaker_id;"
    " END;"
    "CREATE TRIGGER entities_tallied AFTER INSERT ON entities BEGIN"
    "  INSERT INTO tallies VALUES ('entity_type', NEW.type, 1)"
    "   ON CONFLICT DO UPDATE SET n = n + 1;"
    " END;"
    "CREATE TRIGGER entities_untallied AFTER DELETE ON entities BEGIN"
    "  UPDATE tallies SET n = n - 1 WHERE part = 'entity_type' AND key = OLD.type;"
    " END;"
    "CREATE TRIGGER entities_retallied AFTER UPDATE OF type ON entities"
    "  WHEN OLD.type IS NOT NEW.type BEGIN"
    "  UPDATE tallies SET n = n - 1 WHERE part = 'entity_type' AND key = OLD.type;"
    "  INSERT INTO tallies VALUES ('entity_type', NEW.type, 1)"
    "   ON CONFLICT DO UPDATE SET n = n + 1;"
    " END;"
    "CREATE TRIGGER agreements_tallied AFTER INSERT ON agreements BEGIN"
    "  INSERT INTO tallies VALUES ('agreement_status', NEW.status, 1)"
    "   ON CONFLICT DO UPDATE SET n = n + 1;"
    "  INSERT INTO tallies VALUES ('agreement_kind', NEW.kind, 1)"
    "   ON CONFLICT DO UPDATE SET n = n + 1;"
    " END;"
    "CREATE TRIGGER agreements_untallied AFTER DELETE ON agreements BEGIN"
    "  UPDATE tallies SET n = n - 1 WHERE part = 'agreement_status' AND key = OLD.status;"
    "  UPDATE tallies SET n = n - 1 WHERE part = 'agreement_kind' AND key = OLD.kind;"
    " END;"
    "CREATE TRIGGER agreements_retallied_status AFTER UPDATE OF status ON agreements"
    "  WHEN OLD.status IS NOT NEW.status BEGIN"
    "  UPDATE tallies SET n = n - 1 WHERE part = 'agreement_status' AND key = OLD.status;"
    "  INSERT INTO tallies VALUES ('agreement_status', NEW.status, 1)"
    "   ON CONFLICT DO UPDATE SET n = n + 1;"
    " END;"
    "CREATE TRIGGER agreements_retallied_kind AFTER UPDATE OF kind ON agreements"
    "  WHEN OLD.kind IS NOT NEW.kind BEGIN"
    "  UPDATE tallies SET n = n - 1 WHERE part = 'agreement_kind' AND key = OLD.kind;"
    "  INSERT INTO tallies VALUES ('agreement_kind', NEW.kind, 1)"
    "   ON CONFLICT DO UPDATE SET n = n + 1;"
    " END;",

    /* 6: extraction (issue 6). Evidence: where in an article each mention,
     * quote and agreement was read, in code points of the field, end
     * exclusive; null offsets are records written by hand. names_version
     * counts changes to entity names, aliases and types, by any writer, so
     * the server knows when its lexicon of known names is stale without
     * reading every name on every extracting write. */
    "CREATE TABLE mention_spans ("
    "  article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,"
    "  entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,"
    "  field TEXT NOT NULL CHECK (field IN ('title', 'body')),"
    "  span_start INTEGER NOT NULL,"
    "  span_end INTEGER NOT NULL CHECK (span_end > span_start),"
    "  PRIMARY KEY (article_id, entity_id, field, span_start)) WITHOUT ROWID;"
    "CREATE INDEX mention_spans_by_entity ON mention_spans (entity_id);"
    "ALTER TABLE quotes ADD COLUMN span_start INTEGER;"
    "ALTER TABLE quotes ADD COLUMN span_end INTEGER;"
    "ALTER TABLE agreement_articles ADD COLUMN span_start INTEGER;"
    "ALTER TABLE agreement_articles ADD COLUMN span_end INTEGER;"
    "ALTER TABLE store_meta ADD COLUMN names_version INTEGER NOT NULL DEFAULT 0;"
    "CREATE TRIGGER names_added AFTER INSERT ON entities BEGIN"
    "  UPDATE store_meta SET names_version = names_version + 1;"
    " END;"
    "CREATE TRIGGER names_removed AFTER DELETE ON entities BEGIN"
    "  UPDATE store_meta SET names_version = names_version + 1;"
    " END;"
    "CREATE TRIGGER names_changed AFTER UPDATE OF name, type ON entities BEGIN"
    "  UPDATE store_meta SET names_version = names_version + 1;"
    " END;"
    "CREATE TRIGGER aliases_added AFTER INSERT ON entity_aliases BEGIN"
    "  UPDATE store_meta SET names_version = names_version + 1;"
    " END;"
    "CREATE TRIGGER aliases_removed AFTER DELETE ON entity_aliases BEGIN"
    "  UPDATE store_meta SET names_version = names_version + 1;"
    " END;",

    /* 7: every mention written moves its entity in each index ordered by
     * mention count; with two of them that was the largest part of a
     * post's pages (issue 5). The list of every type by mentions merges
     * the per-type ranges of entities_by_type_mentions instead. */
    "DROP INDEX IF EXISTS entities_by_mentions;",

    /* 8: a new record takes the store's version in its own INSERT
     * (db/records.c) instead of from an AFTER INSERT trigger, which wrote
     * every new row a second time: for an article, its whole body and its
     * indexes again (issue 5). */
    "DROP TRIGGER IF EXISTS articles_versioned;"
    "DROP TRIGGER IF EXISTS entities_versioned;"
    "DROP TRIGGER IF EXISTS quotes_versioned;"
    "DROP TRIGGER IF EXISTS agreements_versioned;",

    /* 9: wb_bm25 (db/rank.c) remembers how many rows hold each search term.
     * Most writes only add rows above the index's largest rowid, and then a
     * remembered count is brought up to date by counting the new rows
     * alone, not by walking the term's whole posting list again (30 ms for a
     * common word on a 1M store, on the first search after every write).
     * Any other change to an index's rows (an edit, a delete, a row added
     * below the largest) records the store version it was made at here, and
     * counts made before it are walked again. */
    "CREATE TABLE fts_rewrites ("
    "  fts TEXT PRIMARY KEY,"
    "  version INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO fts_rewrites SELECT 'article_fts', version FROM store_meta;"
    "INSERT INTO fts_rewrites SELECT 'quote_fts', version FROM store_meta;"
    "CREATE TRIGGER articles_fts_inserted_below AFTER INSERT ON articles"
    "  WHEN NEW.id < (SELECT max(id) FROM articles) BEGIN"
    "  UPDATE fts_rewrites SET version = (SELECT version FROM store_meta)"
    "   WHERE fts = 'article_fts';"
    " END;"
    "CREATE TRIGGER articles_fts_rewritten AFTER UPDATE OF id, title, summary, body ON articles"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.title IS NOT NEW.title"
    "    OR OLD.summary IS NOT NEW.summary OR OLD.body IS NOT NEW.body BEGIN"
    "  UPDATE fts_rewrites SET version = (SELECT version FROM store_meta)"
    "   WHERE fts = 'article_fts';"
    " END;"
    "CREATE TRIGGER articles_fts_unlisted AFTER DELETE ON articles BEGIN"
    "  UPDATE fts_rewrites SET version = (SELECT version FROM store_meta)"
    "   WHERE fts = 'article_fts';"
    " END;"
    "CREATE TRIGGER quotes_fts_inserted_below AFTER INSERT ON quotes"
    "  WHEN NEW.id < (SELECT max(id) FROM quotes) BEGIN"
    "  UPDATE fts_rewrites SET version = (SELECT version FROM store_meta)"
    "   WHERE fts = 'quote_fts';"
    " END;"
    "CREATE TRIGGER quotes_fts_rewritten AFTER UPDATE OF id, text ON quotes"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.text IS NOT NEW.text BEGIN"
    "  UPDATE fts_rewrites SET version = (SELECT version FROM store_meta)"
    "   WHERE fts = 'quote_fts';"
    " END;"
    "CREATE TRIGGER quotes_fts_unlisted AFTER DELETE ON quotes BEGIN"
    "  UPDATE fts_rewrites SET version = (SELECT version FROM store_meta)"
    "   WHERE fts = 'quote_fts';"
    " END;",

    /* 10: the counts wb_bm25 made, written when the store is closed and
     * read back on a count's first use, so that a restarted server does
     * not walk each common word's posting list again (20-50 ms a word on
     * a 1M store). A count is the one kept in memory (db/rank.c): its key
     * without the store file's hash, the version it was made at, its rows
     * and the index's largest rowid then; fts_rewrites says whether it can
     * still be brought up to date. Not store data: saving them does not
     * move the store version. */
    "CREATE TABLE term_counts ("
    "  key TEXT PRIMARY KEY,"
    "  version INTEGER NOT NULL,"
    "  rows INTEGER NOT NULL,"
    "  top_rowid INTEGER NOT NULL) WITHOUT ROWID;",

    /* 11: a new article or quote is indexed for search when its
     * transaction commits (db/fts_pending.c), not by its INSERT's trigger.
     * FTS5 writes its pending terms out as a new segment at every
     * savepoint, and each statement of a write opens one: indexed by the
     * trigger, every post became a segment of its own, merged and merged
     * again, which cost the write thread as much as the rest of an
     * article's rows. Listed in fts_pending, the rows of a whole batch of
     * writes go into the index in one statement: one segment. A row still
     * pending when it is edited or deleted (in the same transaction) is
     * not in the index yet, so its triggers leave the index alone. */
    "CREATE TABLE fts_pending ("
    "  fts TEXT NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  PRIMARY KEY (fts, id)) WITHOUT ROWID;"
    "DROP TRIGGER articles_fts_added;"
    "DROP TRIGGER articles_fts_removed;"
    "DROP TRIGGER articles_fts_changed;"
    "DROP TRIGGER quotes_fts_added;"
    "DROP TRIGGER quotes_fts_removed;"
    "DROP TRIGGER quotes_fts_changed;"
    "CREATE TRIGGER articles_fts_added AFTER INSERT ON articles BEGIN"
    "  INSERT INTO fts_pending (fts, id) VALUES ('article_fts', NEW.id);"
    " END;"
    "CREATE TRIGGER articles_fts_removed AFTER DELETE ON articles BEGIN"
    "  INSERT INTO article_fts (article_fts, rowid, title, summary, body)"
    "   SELECT 'delete', OLD.id, OLD.title, OLD.summary, OLD.body WHERE NOT EXISTS"
    "    (SELECT 1 FROM fts_pending WHERE fts = 'article_fts' AND id = OLD.id);"
    "  DELETE FROM fts_pending WHERE fts = 'article_fts' AND id = OLD.id;"
    " END;"
    "CREATE TRIGGER articles_fts_changed AFTER UPDATE OF id, title, summary, body ON articles"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.title IS NOT NEW.title"
    "    OR OLD.summary IS NOT NEW.summary OR OLD.body IS NOT NEW.body BEGIN"
    "  INSERT INTO article_fts (article_fts, rowid, title, summary, body)"
    "   SELECT 'delete', OLD.id, OLD.title, OLD.summary, OLD.body WHERE NOT EXISTS"
    "    (SELECT 1 FROM fts_pending WHERE fts = 'article_fts' AND id = OLD.id);"
    "  INSERT INTO article_fts (rowid, title, summary, body)"
    "   SELECT NEW.id, NEW.title, NEW.summary, NEW.body WHERE NOT EXISTS"
    "    (SELECT 1 FROM fts_pending WHERE fts = 'article_fts' AND id = OLD.id);"
    "  UPDATE fts_pending SET id = NEW.id WHERE fts = 'article_fts' AND id = OLD.id;"
    " END;"
    "CREATE TRIGGER quotes_fts_added AFTER INSERT ON quotes BEGIN"
    "  INSERT INTO fts_pending (fts, id) VALUES ('quote_fts', NEW.id);"
    " END;"
    "CREATE TRIGGER quotes_fts_removed AFTER DELETE ON quotes BEGIN"
    "  INSERT INTO quote_fts (quote_fts, rowid, text)"
    "   SELECT 'delete', OLD.id, OLD.text WHERE NOT EXISTS"
    "    (SELECT 1 FROM fts_pending WHERE fts = 'quote_fts' AND id = OLD.id);"
    "  DELETE FROM fts_pending WHERE fts = 'quote_fts' AND id = OLD.id;"
    " END;"
    "CREATE TRIGGER quotes_fts_changed AFTER UPDATE OF id, text ON quotes"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.text IS NOT NEW.text BEGIN"
    "  INSERT INTO quote_fts (quote_fts, rowid, text)"
    "   SELECT 'delete', OLD.id, OLD.text WHERE NOT EXISTS"
    "    (SELECT 1 FROM fts_pending WHERE fts = 'quote_fts' AND id = OLD.id);"
    "  INSERT INTO quote_fts (rowid, text)"
    "   SELECT NEW.id, NEW.text WHERE NOT EXISTS"
    "    (SELECT 1 FROM fts_pending WHERE fts = 'quote_fts' AND id = OLD.id);"
    "  UPDATE fts_pending SET id = NEW.id WHERE fts = 'quote_fts' AND id = OLD.id;"
    " END;",

    /* 12: which store this is, for files kept beside it: the rendered
     * article documents (db/documents.h) are used again only by the store
     * they were saved for, never by a new store made at the same path
     * whose version happens to be the same. */
    ("ALTER TABLE store_meta ADD COLUMN instance TEXT NOT NULL DEFAULT '';"
     "UPDATE store_meta SET instance = lower(hex(randomblob(16)));"),
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

int schema_latest_version(void)
{
    return MIGRATION_COUNT;
}

enum db_status schema_migrate(struct db *db, int *from_version, char *err, size_t errlen)
{
    enum db_status rc = DB_ERR;
    bool in_transaction = false;

    /* IMMEDIATE takes the write lock before reading user_version, so two
     * processes starting on a new file cannot both apply migration 1. */
    if (conn_exec(db, "BEGIN IMMEDIATE") != DB_OK) {
        snprintf(err, errlen, "cannot lock database for migration: %s", db_last_error(db));
        goto done;
    }
    in_transaction = true;

    int version = db_schema_version(db);
    if (version < 0) {
        snprintf(err, errlen, "cannot read schema version: %s", db_last_error(db));
        goto done;
    }
    if (version > MIGRATION_COUNT) {
        snprintf(err, errlen, "database schema %d is newer than this wirebase (%d)", version,
                 MIGRATION_COUNT);
        goto done;
    }
    *from_version = version;
    for (int v = version; v < MIGRATION_COUNT; v++) {
        if (conn_exec(db, migrations[v]) != DB_OK) {
            snprintf(err, errlen, "migration %d failed: %s", v + 1, db_last_error(db));
            goto done;
        }
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", MIGRATION_COUNT);
    if (conn_exec(db, sql) != DB_OK || conn_exec(db, "COMMIT") != DB_OK) {
        snprintf(err, errlen, "cannot commit migration: %s", db_last_error(db));
        goto done;
    }
    in_transaction = false;
    rc = DB_OK;
done:
    if (in_transaction)
        conn_exec(db, "ROLLBACK");
    return rc;
}
