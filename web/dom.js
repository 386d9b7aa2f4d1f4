// Small helpers every view uses to build the page. Text always goes in as
// text nodes, never as markup, so nothing from the data can become code.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

function setAttributes(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  return el;
}

// h('a', {href: '#/'}, 'Home'): an HTML element with attributes, event
// listeners (onclick: fn) and children (strings become text).
export function h(tag, attrs, ...children) {
  return append(setAttributes(document.createElement(tag), attrs), children);
}

// The same for SVG elements, which live in their own namespace.
export function svg(tag, attrs, ...children) {
  return append(setAttributes(document.createElementNS(SVG_NS, tag), attrs), children);
}

// Search snippets are HTML in which the server escaped the record's text
// and added only <mark> tags. Rather than trusting that with innerHTML,
// keep the text and the marks and drop anything else.
export function snippetNodes(html) {
  const doc = new DOMParser().parseFromString(`<p>${html}</p>`, 'text/html');
  const nodes = [];
  for (const node of doc.body.firstChild ? doc.body.firstChild.childNodes : []) {
    if (node.nodeType === Node.ELEMENT_NODE && node.tagName === 'MARK') {
      nodes.push(h('mark', null, node.textContent));
    } else {
      nodes.push(document.createTextNode(node.textContent));
    }
  }
  return nodes;
}

// Deep links inside the dashboard.
export const link = {
  article: (slug) => `#/articles/${encodeURIComponent(slug)}`,
  entity: (slug) => `#/entities/${encodeURIComponent(slug)}`,
  agreement: (slug) => `#/agreements/${encodeURIComponent(slug)}`,
  quote: (slug) => `#/quotes/${encodeURIComponent(slug)}`,
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// "2010-09-15" or "2010-09-15T10:00:00Z" as "15 Sep 2010". Read from the
// string itself, not through Date, so no time zone moves a day.
export function formatDate(iso) {
  if (!iso) return 'undated';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}

export function monthLabel(year, month) {
  return `${MONTHS[month]} ${year}`;
}

// Enum values as words: "pending_ratification" -> "pending ratification".
export function words(value) {
  return String(value).replaceAll('_', ' ');
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

// A <time> element for an ISO date, or plain "undated".
export function dateNode(iso) {
  return iso ? h('time', { datetime: iso.slice(0, 10) }, formatDate(iso)) : h('span', { class: 'muted' }, 'undated');
}

// A badge naming a status (or kind, or type), colored by class.
export function badge(kind, value) {
  return h('span', { class: `badge ${kind}-${value}` }, words(value));
}

// A section with a heading and, when `items` is empty, a line saying so.
export function section(title, items, render, empty) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'panel', 'aria-labelledby': id },
    h('h2', { id }, title),
    items.length ? render(items) : h('p', { class: 'muted' }, empty));
}

// The list of articles every view shows the same way.
export function articleList(articles) {
  return h('ul', { class: 'cards' }, articles.map((a) => h('li', null,
    h('a', { href: link.article(a.slug), class: 'card-title' }, a.title),
    h('p', { class: 'meta' }, a.source, ' · ', dateNode(a.published_at)),
    a.summary ? h('p', null, a.summary) : null)));
}

// Quotes with their speaker (or, on a speaker's own page, their article).
export function quoteList(quotes, by) {
  return h('ul', { class: 'quotes' }, quotes.map((q) => h('li', null,
    h('blockquote', { cite: link.quote(q.slug) }, h('p', null, `“${q.text}”`)),
    by === 'speaker' && q.speaker
      ? h('p', { class: 'meta' }, '— ', h('a', { href: link.entity(q.speaker.slug) }, q.speaker.name))
      : null,
    by === 'article' && q.article
      ? h('p', { class: 'meta' }, 'in ', h('a', { href: link.article(q.article.slug) }, q.article.title),
        ' · ', dateNode(q.article.published_at))
      : null)));
}

// Agreements with kind, status and date; `extra` adds per-item content
// (an entity's roles).
export function agreementList(agreements, extra = () => null) {
  return h('ul', { class: 'agreements' }, agreements.map((a) => h('li', null,
    h('a', { href: link.agreement(a.slug), class: 'card-title' }, a.title),
    h('p', { class: 'meta' }, badge('kind', a.kind), ' ', badge('status', a.status), ' ',
      dateNode(a.signed_on), extra(a)))));
}
