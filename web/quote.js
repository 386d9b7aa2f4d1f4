// One quote (a search hit can be a quote): the words, who said them, and
// the article they come from.
import { getJson, recordPath } from './api.js';
import { dateNode, h, link } from './dom.js';

export async function render([slug]) {
  const quote = await getJson(recordPath('quotes', slug));
  return {
    title: `Quote by ${quote.speaker.name}`,
    node: h('article', { class: 'record quote-view' },
      h('header', null, h('p', { class: 'kicker' }, 'Quote'), h('h1', null, `${quote.speaker.name} said`)),
      h('figure', { class: 'panel' },
        h('blockquote', null, h('p', null, `“${quote.text}”`)),
        h('figcaption', null, '— ', h('a', { href: link.entity(quote.speaker.slug) }, quote.speaker.name),
          ', in ', h('a', { href: link.article(quote.article.slug) }, quote.article.title),
          ' · ', dateNode(quote.article.published_at)))),
  };
}
