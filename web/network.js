// The network around one entity as an SVG: the entity in the middle, its
// neighbours on one or two rings around it, strongest first clockwise from
// the top. Radial rather than force-directed: the same data always gives
// the same picture, and no label hides under the cluster.
import { h, link, plural, svg } from './dom.js';

const WIDTH = 820;
const HEIGHT = 560;
const CX = WIDTH / 2;
const CY = HEIGHT / 2;
const INNER = 150;
const OUTER = 225;
// Up to this many neighbours fit on one ring with room for their labels.
const ONE_RING = 12;
const LABEL_CHARS = 24;

function shortLabel(name) {
  return name.length > LABEL_CHARS ? `${name.slice(0, LABEL_CHARS - 1)}…` : name;
}

// Positions: the centre, then each neighbour by angle; with many
// neighbours every other one sits on the outer ring so labels alternate.
function layout(center, neighbours) {
  const at = new Map([[center.id, { x: CX, y: CY, angle: 0 }]]);
  const twoRings = neighbours.length > ONE_RING;
  neighbours.forEach((n, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / neighbours.length;
    const r = twoRings && i % 2 === 1 ? OUTER : INNER + (twoRings ? 0 : 40);
    at.set(n.id, { x: CX + r * Math.cos(angle), y: CY + r * Math.sin(angle), angle });
  });
  return at;
}

function nodeLabel(p, text, isCenter) {
  if (isCenter) return svg('text', { x: p.x, y: p.y + 32, 'text-anchor': 'middle', class: 'label center-label' }, text);
  // Outward from the node: to its right on the right half, left on the left.
  const cos = Math.cos(p.angle);
  const sin = Math.sin(p.angle);
  const anchor = Math.abs(cos) < 0.2 ? 'middle' : cos > 0 ? 'start' : 'end';
  const dx = anchor === 'middle' ? 0 : cos > 0 ? 13 : -13;
  const dy = anchor === 'middle' ? (sin > 0 ? 24 : -15) : 4;
  return svg('text', { x: p.x + dx, y: p.y + dy, 'text-anchor': anchor, class: 'label' }, text);
}

// graph: {nodes, edges} from GET /v1/graph; slug: the entity in the middle.
// Every neighbour is a link to its own page, reachable by keyboard.
export function drawNetwork(graph, slug) {
  const center = graph.nodes.find((n) => n.slug === slug) || graph.nodes[0];
  const toCenter = new Map();
  for (const e of graph.edges) {
    if (e.source === center.id) toCenter.set(e.target, e.weight);
    else if (e.target === center.id) toCenter.set(e.source, e.weight);
  }
  const neighbours = graph.nodes
    .filter((n) => n.id !== center.id)
    .sort((a, b) => (toCenter.get(b.id) || 0) - (toCenter.get(a.id) || 0) || a.name.localeCompare(b.name));
  const at = layout(center, neighbours);
  const strongest = Math.max(1, ...toCenter.values());

  // Ties among the neighbours first, faint, so the spokes stay on top.
  const ties = graph.edges
    .filter((e) => e.source !== center.id && e.target !== center.id && at.has(e.source) && at.has(e.target))
    .map((e) => svg('line', {
      x1: at.get(e.source).x, y1: at.get(e.source).y, x2: at.get(e.target).x, y2: at.get(e.target).y,
      class: 'tie',
    }));
  const spokes = neighbours.filter((n) => toCenter.has(n.id)).map((n) => svg('line', {
    x1: CX, y1: CY, x2: at.get(n.id).x, y2: at.get(n.id).y,
    class: 'spoke', 'stroke-width': (1 + (3 * toCenter.get(n.id)) / strongest).toFixed(2),
  }));
  const nodes = neighbours.map((n) => {
    const p = at.get(n.id);
    const shared = toCenter.get(n.id) || 0;
    const name = `${n.name} (${n.type}), ${plural(shared, 'shared article')}`;
    return svg('a', { href: link.entity(n.slug), class: `node type-${n.type}`, 'aria-label': name, 'data-slug': n.slug },
      svg('title', null, name),
      svg('circle', { cx: p.x, cy: p.y, r: 9 }),
      nodeLabel(p, shortLabel(n.name), false));
  });
  const c = at.get(center.id);
  const middle = svg('g', { class: `node center type-${center.type}`, 'aria-hidden': 'true' },
    svg('circle', { cx: c.x, cy: c.y, r: 16 }),
    nodeLabel(c, shortLabel(center.name), true));

  const picture = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'network', role: 'group',
    'aria-label': `${center.name} and ${plural(neighbours.length, 'related entity', 'related entities')}`,
  }, svg('g', { class: 'ties' }, ties), svg('g', { class: 'spokes' }, spokes), nodes, middle);

  // The same facts as a list, for reading without the picture.
  const list = h('details', { class: 'as-list' },
    h('summary', null, 'The network as a list'),
    h('ul', null, neighbours.map((n) => h('li', null,
      h('a', { href: link.entity(n.slug) }, n.name), ` (${n.type}): ${plural(toCenter.get(n.id) || 0, 'shared article')}`))));
  const types = [...new Set(graph.nodes.map((n) => n.type))].sort();
  const legend = h('ul', { class: 'legend', 'aria-label': 'Colors' },
    types.map((t) => h('li', { class: `type-${t}` }, h('span', null, t))));
  return h('div', { class: 'network-wrap' }, picture, legend, list);
}
