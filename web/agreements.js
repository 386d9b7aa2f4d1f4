// Agreements: a timeline of all of them with their supersedes chains and
// filters by party, kind and status; and the page of one agreement.
import { getJson, recordPath } from './api.js';
import { articleList, badge, dateNode, h, link, section, words } from './dom.js';
import { drawTimeline } from './timeline.js';

const KINDS = ['memorandum', 'treaty', 'accord', 'plan', 'deal', 'agreement'];
const STATUSES = ['proposed', 'signed', 'pending_ratification', 'in_force', 'superseded', 'expired'];
// A timeline past a few hundred marks is unreadable anyway; the list
// below it says when there were more.
const PAGE = 100;
const MAX_SHOWN = 300;
const PARTY_CHOICES = 100;

async function allAgreements(filters) {
  const shown = [];
  let cursor = null;
  do {
    const page = await getJson('agreements', { ...filters, limit: PAGE, cursor });
    shown.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && shown.length < MAX_SHOWN);
  return { shown, more: Boolean(cursor) };
}

// Supersedes links, older -> newer. The list does not carry them, but an
// agreement that something supersedes is marked superseded when that
// happens, so only those need their own record fetched.
async function supersedesLinks(agreements) {
  const replaced = agreements.filter((a) => a.status === 'superseded');
  const records = await Promise.all(replaced.map((a) => getJson(recordPath('agreements', a.slug))));
  return records.flatMap((r) => (r.superseded_by || []).map((newer) => ({ from: r.slug, to: newer.slug, newer })));
}

function select(name, label, options, value) {
  return h('p', { class: 'field' },
    h('label', { for: `f-${name}` }, label),
    h('select', { id: `f-${name}`, name },
      h('option', { value: '' }, 'any'),
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

function filterForm(filters, parties) {
  // Parties are usually countries and organizations: list those first.
  const order = ['location', 'organization', 'person', 'product'];
  // A party from a shared link may be outside the most-mentioned list.
  const choices = parties.some((e) => e.slug === filters.party) || !filters.party
    ? parties : [...parties, { slug: filters.party, name: filters.party, type: 'product' }];
  const sorted = [...choices].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type) || a.name.localeCompare(b.name));
  const form = h('form', { class: 'filters', 'aria-label': 'Filter agreements' },
    select('party', 'Party', sorted.map((e) => [e.slug, e.name]), filters.party),
    select('kind', 'Kind', KINDS.map((k) => [k, words(k)]), filters.kind),
    select('status', 'Status', STATUSES.map((s) => [s, words(s)]), filters.status),
    h('p', { class: 'field' }, h('a', { href: '#/agreements' }, 'Clear filters')));
  // Each change is a new URL: filtered views can be shared and reloaded,
  // and Back undoes a filter.
  const apply = (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const el of form.querySelectorAll('select')) if (el.value) query.set(el.name, el.value);
    const text = query.toString();
    location.hash = `#/agreements${text ? `?${text}` : ''}`;
  };
  form.addEventListener('change', apply);
  form.addEventListener('submit', apply);
  return form;
}

function table(agreements, links) {
  const newerOf = new Map();
  for (const l of links) newerOf.set(l.from, [...(newerOf.get(l.from) || []), l.newer]);
  return h('table', { class: 'agreement-table' },
    h('caption', { class: 'sr-only' }, 'Agreements, latest signed first'),
    h('thead', null, h('tr', null, ['Agreement', 'Kind', 'Status', 'Signed', 'Superseded by'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, agreements.map((a) => h('tr', { 'data-slug': a.slug },
      h('th', { scope: 'row' }, h('a', { href: link.agreement(a.slug) }, a.title)),
      h('td', null, words(a.kind)),
      h('td', null, badge('status', a.status)),
      h('td', null, dateNode(a.signed_on)),
      h('td', null, (newerOf.get(a.slug) || []).map((n, i) => [i ? ', ' : '', h('a', { href: link.agreement(n.slug) }, n.title)]))))));
}

export async function render(args, query) {
  const filters = { party: query.get('party') || '', kind: query.get('kind') || '', status: query.get('status') || '' };
  const [{ shown, more }, parties] = await Promise.all([
    allAgreements(filters),
    getJson('entities', { sort: 'mentions', limit: PARTY_CHOICES, fields: 'slug,name,type' }),
  ]);
  const links = await supersedesLinks(shown);
  const active = Object.values(filters).some(Boolean);
  return {
    title: 'Agreements',
    node: h('div', { class: 'agreements-view' },
      h('h1', null, 'Agreements'),
      filterForm(filters, parties.data),
      h('section', { class: 'panel', 'aria-labelledby': 's-timeline' },
        h('h2', { id: 's-timeline' }, 'Timeline'),
        h('p', { class: 'help' }, 'By signing date (undated ones at the right) and status; an arrow runs from an agreement to the one that supersedes it.'),
        shown.length
          // On a phone the picture keeps a readable size and scrolls.
          ? h('div', { class: 'scroll timeline-scroll', tabindex: '0', role: 'region', 'aria-label': 'Timeline, scrolls sideways' }, drawTimeline(shown, links))
          : h('p', { class: 'muted' }, active ? 'No agreement matches these filters.' : 'No agreements yet.')),
      shown.length ? h('section', { class: 'panel', 'aria-labelledby': 's-list' },
        h('h2', { id: 's-list' }, 'List'),
        more ? h('p', { class: 'muted' }, `Showing the first ${shown.length}; narrow the filters to see the rest.`) : null,
        h('div', { class: 'scroll' }, table(shown, links))) : null),
  };
}

function entityLinks(entities) {
  return h('ul', { class: 'chips' }, entities.map((e) => h('li', null,
    h('a', { href: link.entity(e.slug), class: `chip type-${e.type}` }, e.name))));
}

export async function renderOne([slug]) {
  const a = await getJson(recordPath('agreements', slug));
  const older = a.supersedes ? [a.supersedes] : [];
  const chainItem = (x) => h('li', null, h('a', { href: link.agreement(x.slug) }, x.title), ' ', badge('status', x.status), ' ', dateNode(x.signed_on));
  return {
    title: a.title,
    node: h('article', { class: 'record agreement-view' },
      h('header', null,
        h('p', { class: 'kicker' }, h('a', { href: '#/agreements' }, 'Agreements')),
        h('h1', null, a.title),
        h('p', { class: 'meta' }, badge('kind', a.kind), ' ', badge('status', a.status), ' · signed ', dateNode(a.signed_on)),
        a.summary ? h('p', { class: 'description' }, a.summary) : null),
      h('div', { class: 'columns even' },
        section('Parties', a.parties || [], entityLinks, 'No parties recorded.'),
        section('Signatories', a.signatories || [], entityLinks, 'No signatories recorded.')),
      h('div', { class: 'columns even' },
        section('Supersedes', older, (xs) => h('ul', { class: 'plain' }, xs.map(chainItem)), 'It replaces no earlier agreement.'),
        section('Superseded by', a.superseded_by || [], (xs) => h('ul', { class: 'plain' }, xs.map(chainItem)), 'Nothing has replaced it.')),
      section('Articles', a.articles || [], articleList, 'No articles report it.')),
  };
}
