// The overview: what the store holds, the latest articles, and a search
// over everything that answers as you type.
import { ApiError, getJson } from './api.js';
import { articleList, h, link, plural, snippetNodes, words } from './dom.js';

// Long enough that a fast typist sends one request per pause, short enough
// to feel immediate.
const SEARCH_DELAY_MS = 250;
const HIT_LINKS = { article: link.article, entity: link.entity, quote: link.quote };

function countCard(label, total, parts, href) {
  const figure = [h('span', { class: 'count-value' }, String(total)),
    h('span', { class: 'count-label' }, label)];
  return h('li', { class: 'count' },
    href ? h('a', { href, class: 'count-figure' }, figure) : h('div', { class: 'count-figure' }, figure),
    parts ? h('ul', { class: 'count-parts' },
      Object.entries(parts).filter(([, n]) => n > 0).map(([name, n]) => h('li', null, `${n} ${words(name)}`)))
      : null);
}

function counts(stats) {
  return h('section', { class: 'panel', 'aria-labelledby': 's-counts' },
    h('h2', { id: 's-counts' }, 'In the store'),
    h('ul', { class: 'counts' },
      countCard('articles', stats.articles, null, null),
      countCard('entities', stats.entities.total,
        Object.fromEntries(Object.entries(stats.entities).filter(([k]) => k !== 'total')), null),
      countCard('agreements', stats.agreements.total, stats.agreements.by_status, '#/agreements'),
      countCard('quotes', stats.quotes, null, null),
      countCard('sources', stats.sources, null, null)));
}

function hitItem(hit) {
  const to = HIT_LINKS[hit.type] || link.article;
  return h('li', { class: 'hit' },
    h('span', { class: `badge type-${hit.type}` }, hit.type),
    ' ',
    h('a', { href: to(hit.slug), class: 'card-title' }, hit.title),
    h('p', { class: 'snippet' }, snippetNodes(hit.snippet)));
}

// The search box and its results. Each keystroke restarts the delay; a
// request still running when the next one starts is cancelled, so an old
// answer never replaces a newer one.
function searchPanel(initial) {
  const input = h('input', {
    type: 'search', id: 'q', name: 'q', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'memorandum, "working group", defen*', value: initial,
    'aria-describedby': 'q-help',
  });
  const summary = h('p', { class: 'muted', role: 'status', id: 'search-status' });
  const hits = h('ol', { class: 'hits', id: 'hits' });
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'More results');
  let timer = 0;
  let controller = null;
  let cursor = null;
  let query = '';

  async function run(q, after) {
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    summary.textContent = 'Searching…';
    try {
      const page = await getJson('search', { q, limit: 10, cursor: after }, signal);
      if (!after) hits.replaceChildren();
      hits.append(...page.data.map(hitItem));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      const shown = hits.children.length;
      summary.textContent = shown === 0 ? `Nothing matches “${q}”.` : `${plural(shown, 'result')}${cursor ? ' so far' : ''} for “${q}”.`;
    } catch (err) {
      if (err.name === 'AbortError') return;
      hits.replaceChildren();
      more.hidden = true;
      summary.textContent = err instanceof ApiError && err.status === 400
        ? `That search cannot be run: ${err.message}.`
        : `The search failed: ${err.message}`;
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      query = input.value.trim();
      // Keep the words in the URL, so a search can be shared and reloaded,
      // without adding a history entry per keystroke.
      history.replaceState(null, '', query ? `#/?q=${encodeURIComponent(query)}` : '#/');
      if (!query) {
        controller?.abort();
        hits.replaceChildren();
        more.hidden = true;
        summary.textContent = '';
        return;
      }
      run(query, null);
    }, SEARCH_DELAY_MS);
  }

  input.addEventListener('input', schedule);
  more.addEventListener('click', () => run(query, cursor));
  if (initial) {
    query = initial;
    run(initial, null);
  }

  return h('section', { class: 'panel search', role: 'search', 'aria-labelledby': 's-search' },
    h('h2', { id: 's-search' }, h('label', { for: 'q' }, 'Search articles, quotes and entities')),
    input,
    h('p', { class: 'help', id: 'q-help' },
      'All words must match. Use "quotes" for phrases, prefix* and -word to leave out.'),
    summary, hits, more);
}

export async function render(args, query) {
  const [stats, latest] = await Promise.all([
    getJson('stats'),
    getJson('articles', { limit: 5, fields: 'slug,title,source,published_at,summary' }),
  ]);
  return {
    title: 'Overview',
    node: h('div', { class: 'home' },
      h('h1', null, 'Overview'),
      searchPanel(query.get('q') || ''),
      counts(stats),
      h('section', { class: 'panel', 'aria-labelledby': 's-latest' },
        h('h2', { id: 's-latest' }, 'Latest articles'),
        latest.data.length ? articleList(latest.data) : h('p', { class: 'muted' }, 'No articles yet.'))),
  };
}
