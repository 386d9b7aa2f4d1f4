// The dashboard's shell: reads the route from the URL's hash, shows the
// matching view, and turns any failure into a message instead of a blank
// page. Every view can be shared and reloaded from its URL.
import { ApiError } from './api.js';
import { h } from './dom.js';
import * as home from './home.js';

// Views other than the first are loaded when first opened, so the home
// page does not pay for the graph and timeline code.
const routes = [
  { pattern: /^\/?$/, section: 'home', load: async () => home },
  { pattern: /^\/articles\/([^/]+)$/, section: 'home', load: () => import('./article.js') },
  { pattern: /^\/entities\/([^/]+)$/, section: 'home', load: () => import('./entity.js') },
  { pattern: /^\/quotes\/([^/]+)$/, section: 'home', load: () => import('./quote.js') },
  { pattern: /^\/agreements\/?$/, section: 'agreements', load: () => import('./agreements.js') },
  { pattern: /^\/agreements\/([^/]+)$/, section: 'agreements', load: () => import('./agreements.js'), view: 'renderOne' },
];

const main = document.getElementById('main');
const status = document.getElementById('status');
let navigation = 0;
let firstView = true;

// "#/entities/robert-gates?x=1" -> {path: "/entities/robert-gates", query}.
function currentRoute() {
  const hash = location.hash.startsWith('#/') ? location.hash.slice(1) : '/';
  const question = hash.indexOf('?');
  const path = question < 0 ? hash : hash.slice(0, question);
  const query = new URLSearchParams(question < 0 ? '' : hash.slice(question + 1));
  return { path, query };
}

function errorView(err) {
  if (err instanceof ApiError && err.status === 0) {
    return {
      title: 'Server unreachable',
      node: h('section', { class: 'error-view', role: 'alert' },
        h('h1', null, 'Cannot reach the server'),
        h('p', null, err.message),
        h('p', null, h('button', { type: 'button', onclick: () => show() }, 'Try again'))),
    };
  }
  if (err instanceof ApiError && err.status === 404) {
    return {
      title: 'Not found',
      node: h('section', { class: 'error-view', role: 'alert' },
        h('h1', null, 'Not found'),
        h('p', null, `The server says: ${err.message}.`),
        h('p', null, 'The link may be mistyped, or the record was deleted or merged. ',
          h('a', { href: '#/' }, 'Back to the overview'), '.')),
    };
  }
  const detail = err instanceof ApiError ? `The server answered ${err.status}: ${err.message}.` : String(err && err.message ? err.message : err);
  return {
    title: 'Error',
    node: h('section', { class: 'error-view', role: 'alert' },
      h('h1', null, 'Something went wrong'),
      h('p', null, detail),
      h('p', null, h('button', { type: 'button', onclick: () => show() }, 'Try again'))),
  };
}

function notFoundView(path) {
  return {
    title: 'Not found',
    node: h('section', { class: 'error-view', role: 'alert' },
      h('h1', null, 'Not found'),
      h('p', null, `The dashboard has no page at “${path}”. `, h('a', { href: '#/' }, 'Back to the overview'), '.')),
  };
}

function markSection(section) {
  for (const a of document.querySelectorAll('nav a[data-section]')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// Shows the view for the current URL. A slower, older navigation that
// finishes after a newer one is dropped, so the page always matches the URL.
async function show() {
  const mine = ++navigation;
  const hash = location.hash;
  const { path, query } = currentRoute();
  const route = routes.find((r) => r.pattern.test(path));
  main.setAttribute('aria-busy', 'true');
  let result;
  try {
    if (!route) {
      result = notFoundView(path);
    } else {
      markSection(route.section);
      const args = route.pattern.exec(path).slice(1).map(decodeURIComponent);
      const module = await route.load();
      result = await module[route.view || 'render'](args, query);
    }
  } catch (err) {
    if (mine !== navigation) return;
    result = errorView(err);
  }
  if (mine !== navigation) return;
  main.replaceChildren(result.node);
  // Which URL the content belongs to: lets a test (or a script) wait for
  // this view rather than the one it replaced.
  main.dataset.shown = hash;
  main.setAttribute('aria-busy', 'false');
  document.title = `${result.title} · wirebase`;
  status.textContent = `${result.title} loaded`;
  // After a click, move focus to the new content, as a page load would;
  // on the first view leave it where the browser puts it.
  if (!firstView) {
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
  firstView = false;
}

// Hashes that are not routes ("#main" from the skip link) are in-page
// jumps and leave the view alone.
window.addEventListener('hashchange', () => {
  if (location.hash === '' || location.hash.startsWith('#/')) show();
});

document.getElementById('skip').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

show();
