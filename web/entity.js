// One entity: who or what it is, what it said, the agreements it is part
// of and in which role, the articles that mention it, and its network.
import { getJson, recordPath } from './api.js';
import { agreementList, articleList, badge, h, plural, quoteList, section, words } from './dom.js';
import { drawNetwork } from './network.js';

// Enough neighbours to show who matters around an entity while every
// label stays readable.
const NETWORK_NODES = 24;

function roles(agreement) {
  const names = agreement.roles || [];
  return names.length ? h('span', { class: 'roles' }, ' · as ', names.map(words).join(' and ')) : null;
}

function networkPanel(slug, graph) {
  const intro = 'Entities mentioned in the same articles; thicker lines mean more shared articles. Select one to open it.';
  let body;
  if (graph instanceof Error) {
    body = h('p', { class: 'error' }, `The network could not be loaded: ${graph.message}`);
  } else if (graph.nodes.length < 2) {
    body = h('p', { class: 'muted' }, 'No other entity shares an article with this one yet.');
  } else {
    body = drawNetwork(graph, slug);
  }
  return h('section', { class: 'panel network-panel', 'aria-labelledby': 's-network' },
    h('h2', { id: 's-network' }, 'Network'), h('p', { class: 'help' }, intro), body);
}

export async function render([slug]) {
  const [entity, graph] = await Promise.all([
    getJson(recordPath('entities', slug)),
    // The rest of the page is worth showing without the picture.
    getJson('graph', { entity: slug, limit: NETWORK_NODES }).catch((err) => err),
  ]);
  // The graph 404s alongside the entity; the entity's own error wins above.
  return {
    title: entity.name,
    node: h('article', { class: 'record entity-view' },
      h('header', null,
        h('p', { class: 'kicker' }, 'Entity'),
        h('h1', null, entity.name),
        h('p', { class: 'meta' }, badge('type', entity.type),
          ' · ', plural(entity.article_count, 'article'),
          ' · ', plural(entity.mention_count, 'mention'),
          ' · ', plural(entity.quote_count, 'quote')),
        entity.aliases && entity.aliases.length
          ? h('p', { class: 'aliases' }, 'Also known as ', entity.aliases.join(', '))
          : null,
        entity.description ? h('p', { class: 'description' }, entity.description) : null),
      networkPanel(entity.slug, graph),
      h('div', { class: 'columns even' },
        section('Quotes', entity.quotes || [], (q) => quoteList(q, 'article'), 'No quotes from this entity.'),
        section('Agreements', entity.agreements || [], (a) => agreementList(a, roles), 'Not a party to or signatory of any agreement.')),
      section('Articles', entity.articles || [], articleList, 'No articles mention this entity.')),
  };
}
