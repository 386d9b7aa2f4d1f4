// One article: its text with the entities it mentions highlighted and
// linked, its quotes with their speakers, and its agreements.
import { getJson, recordPath } from './api.js';
import { agreementList, dateNode, h, link, quoteList, section } from './dom.js';

// An article lists its entities by name only; their aliases ("Gates",
// "NATO") come from one list call over the most-mentioned entities, kept
// for the session. An entity outside it is still found by its name.
const ALIAS_LIMIT = 100;
let aliasIndex = null;

async function aliases() {
  if (!aliasIndex) {
    aliasIndex = getJson('entities', { sort: 'mentions', limit: ALIAS_LIMIT, fields: 'slug,aliases' })
      .then((page) => new Map(page.data.map((e) => [e.slug, e.aliases || []])))
      .catch((err) => {
        aliasIndex = null; // a failure is not cached: the next article tries again
        throw err;
      });
  }
  return aliasIndex;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A matcher for every name and alias of the article's entities: longest
// first, so "US Senate" wins over "US", and only whole words, so "US"
// does not light up inside "USSR".
function mentionMatcher(entities, aliasMap) {
  const byTerm = new Map();
  for (const e of entities) {
    for (const term of [e.name, ...(aliasMap.get(e.slug) || [])]) {
      if (term && !byTerm.has(term)) byTerm.set(term, e);
    }
  }
  if (byTerm.size === 0) return null;
  const terms = [...byTerm.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return { byTerm, pattern: new RegExp(`(?<![\\p{L}\\p{N}])(?:${terms.join('|')})(?![\\p{L}\\p{N}])`, 'gu') };
}

function paragraphWithMentions(text, matcher) {
  const p = h('p');
  if (!matcher) {
    p.textContent = text;
    return p;
  }
  let at = 0;
  for (const m of text.matchAll(matcher.pattern)) {
    const entity = matcher.byTerm.get(m[0]);
    p.append(text.slice(at, m.index),
      h('a', { href: link.entity(entity.slug), class: `mention type-${entity.type}`, title: `${entity.name} (${entity.type})` }, m[0]));
    at = m.index + m[0].length;
  }
  p.append(text.slice(at));
  return p;
}

function entityChips(entities) {
  return h('ul', { class: 'chips' }, entities.map((e) => h('li', null,
    h('a', { href: link.entity(e.slug), class: `chip type-${e.type}` }, e.name,
      h('span', { class: 'chip-count', 'aria-label': `${e.mention_count} mentions` }, String(e.mention_count))))));
}

export async function render([slug]) {
  const [article, aliasMap] = await Promise.all([
    getJson(recordPath('articles', slug)),
    // The text reads fine without aliases: do not fail the page over them.
    aliases().catch(() => new Map()),
  ]);
  const matcher = mentionMatcher(article.entities || [], aliasMap);
  const paragraphs = article.body.split(/\n\s*\n/).map((t) => t.trim()).filter(Boolean);
  return {
    title: article.title,
    node: h('article', { class: 'record article-view' },
      h('header', null,
        h('p', { class: 'kicker' }, 'Article'),
        h('h1', null, article.title),
        h('p', { class: 'meta' },
          article.url ? h('a', { href: article.url, rel: 'noopener noreferrer' }, article.source) : article.source,
          ' · ', dateNode(article.published_at))),
      h('div', { class: 'columns' },
        h('div', { class: 'body' },
          article.summary ? h('p', { class: 'summary' }, article.summary) : null,
          paragraphs.map((t) => paragraphWithMentions(t, matcher))),
        h('aside', { class: 'side' },
          section('Entities', article.entities || [], entityChips, 'No entities are linked to this article.'))),
      section('Quotes', article.quotes || [], (q) => quoteList(q, 'speaker'), 'No quotes recorded.'),
      section('Agreements', article.agreements || [], (a) => agreementList(a), 'No agreements reported.')),
  };
}
