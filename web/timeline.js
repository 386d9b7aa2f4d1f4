// Agreements on a timeline: across by signing date, one lane per status,
// undated agreements in a column of their own at the right, and an arrow
// from each agreement to the one that superseded it.
import { monthLabel, svg, words } from './dom.js';

const STATUSES = ['proposed', 'signed', 'pending_ratification', 'in_force', 'superseded', 'expired'];
const LEFT = 170; // room for the lane names
const DATED_WIDTH = 460;
const UNDATED_GAP = 70;
const TOP = 16;
const ROW = 24;
const LANE_PAD = 12;
const AXIS = 36;
const LABEL_CHARS = 30;
// An estimate of label width in the 12px font; rows are chosen with it
// so labels in one lane never overlap.
const CHAR_WIDTH = 6.6;
const DAY_MS = 86400000;

function dayOf(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS : null;
}

function shortTitle(title) {
  return title.length > LABEL_CHARS ? `${title.slice(0, LABEL_CHARS - 1)}…` : title;
}

// Tick marks between two days: months over a short span, years over a
// long one, at most about eight labels either way.
function ticks(first, last) {
  const start = new Date(first * DAY_MS);
  const end = new Date(last * DAY_MS);
  const months = (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
  const out = [];
  if (months <= 24) {
    const step = Math.max(1, Math.ceil(months / 8));
    for (let y = start.getUTCFullYear(), m = start.getUTCMonth() + 1; ; m += step) {
      const day = Date.UTC(y, m, 1) / DAY_MS;
      if (day > last) break;
      const d = new Date(day * DAY_MS);
      out.push({ day, text: monthLabel(d.getUTCFullYear(), d.getUTCMonth()) });
    }
  } else {
    const years = end.getUTCFullYear() - start.getUTCFullYear();
    const step = Math.max(1, Math.ceil(years / 8));
    for (let y = start.getUTCFullYear() + 1; y <= end.getUTCFullYear(); y += step) {
      out.push({ day: Date.UTC(y, 0, 1) / DAY_MS, text: String(y) });
    }
  }
  return out;
}

// The x of every agreement: dated ones scaled into the dated area,
// undated ones in their own column.
function xPositions(agreements) {
  const days = agreements.map((a) => dayOf(a.signed_on)).filter((d) => d !== null);
  let first = Math.min(...days);
  let last = Math.max(...days);
  if (days.length && first === last) {
    first -= 15;
    last += 15;
  }
  const undatedX = LEFT + (days.length ? DATED_WIDTH + UNDATED_GAP : 20);
  const xOfDay = (d) => LEFT + 10 + ((d - first) / (last - first)) * (DATED_WIDTH - 20);
  const x = new Map(agreements.map((a) => {
    const d = dayOf(a.signed_on);
    return [a.slug, d === null ? undatedX : xOfDay(d)];
  }));
  return { x, undatedX, hasDated: days.length > 0, first, last, xOfDay };
}

// Rows within each lane: an agreement takes the first row whose last
// label ends before it starts.
function placeInLanes(agreements, x) {
  const lanes = STATUSES.map((status) => ({ status, items: [], rows: 0 }))
    .filter((lane) => agreements.some((a) => a.status === lane.status));
  let right = 0;
  for (const lane of lanes) {
    const ends = [];
    const members = agreements.filter((a) => a.status === lane.status).sort((a, b) => x.get(a.slug) - x.get(b.slug));
    for (const a of members) {
      const ax = x.get(a.slug);
      let row = ends.findIndex((end) => end < ax - 6);
      if (row < 0) row = ends.length;
      const end = ax + 12 + shortTitle(a.title).length * CHAR_WIDTH;
      ends[row] = end;
      right = Math.max(right, end);
      lane.items.push({ a, row });
    }
    lane.rows = Math.max(1, ends.length);
  }
  return { lanes, right };
}

function arrow(from, to) {
  // Leaves the older mark upward or downward, towards the newer one, and
  // comes into the newer mark from its left: the labels sit to the right
  // of the marks, so the arrowhead never lands on a title.
  const down = to.y > from.y ? 1 : -1;
  const sx = from.x;
  const sy = from.y + down * 9;
  const ex = to.x - 9;
  const reach = Math.max(30, Math.abs(to.x - from.x) / 2);
  const f = (n) => n.toFixed(1);
  return `M${f(sx)},${f(sy)} C${f(sx)},${f(sy + down * 30)} ${f(ex - reach)},${f(to.y)} ${f(ex)},${f(to.y)}`;
}

// agreements: items of GET /v1/agreements; links: [{from, to}] slugs,
// older to newer. Every mark links to its agreement's page.
export function drawTimeline(agreements, links) {
  const pos = xPositions(agreements);
  const { lanes, right } = placeInLanes(agreements, pos.x);
  const parts = [];
  const at = new Map();
  let y = TOP;
  lanes.forEach((lane, i) => {
    const height = lane.rows * ROW + LANE_PAD;
    parts.push(svg('g', { class: `lane status-${lane.status}`, 'data-status': lane.status },
      svg('rect', { x: 0, y, width: '100%', height, class: i % 2 ? 'lane-bg odd' : 'lane-bg' }),
      svg('text', { x: 10, y: y + LANE_PAD / 2 + ROW / 2 + 4, class: 'lane-name' }, words(lane.status)),
      lane.items.map(({ a, row }) => {
        const cx = pos.x.get(a.slug);
        const cy = y + LANE_PAD / 2 + row * ROW + ROW / 2;
        at.set(a.slug, { x: cx, y: cy });
        const when = a.signed_on ? `signed ${a.signed_on}` : 'undated';
        return svg('a', { href: `#/agreements/${encodeURIComponent(a.slug)}`, class: `mark status-${a.status} kind-${a.kind}`, 'data-slug': a.slug,
          'aria-label': `${a.title}: ${words(a.kind)}, ${words(a.status)}, ${when}` },
          svg('title', null, `${a.title} (${words(a.kind)}, ${words(a.status)}, ${when})`),
          svg('circle', { cx, cy, r: 7 }),
          svg('text', { x: cx + 12, y: cy + 4, class: 'label' }, shortTitle(a.title)));
      })));
    y += height;
  });
  const bottom = y;
  const width = Math.ceil(Math.max(right + 16, pos.undatedX + 40));

  const axis = [svg('line', { x1: LEFT, y1: bottom, x2: width, y2: bottom, class: 'axis' })];
  if (pos.hasDated) {
    for (const t of ticks(pos.first, pos.last)) {
      const tx = pos.xOfDay(t.day);
      axis.push(svg('line', { x1: tx, y1: TOP, x2: tx, y2: bottom + 5, class: 'tick' }),
        svg('text', { x: tx, y: bottom + 20, 'text-anchor': 'middle', class: 'tick-label' }, t.text));
    }
  }
  if (agreements.some((a) => !a.signed_on)) {
    axis.push(svg('line', { x1: pos.undatedX - UNDATED_GAP / 2, y1: TOP, x2: pos.undatedX - UNDATED_GAP / 2, y2: bottom, class: 'divider' }),
      svg('text', { x: pos.undatedX, y: bottom + 20, 'text-anchor': 'middle', class: 'tick-label' }, 'undated'));
  }

  const arrows = links.filter((l) => at.has(l.from) && at.has(l.to)).map((l) => svg('path', {
    d: arrow(at.get(l.from), at.get(l.to)), class: 'supersedes', 'marker-end': 'url(#tl-arrow)',
    'data-from': l.from, 'data-to': l.to,
  }, svg('title', null, 'superseded by')));

  return svg('svg', {
    viewBox: `0 0 ${width} ${bottom + AXIS}`, class: 'timeline', role: 'group',
    'aria-label': `Timeline of ${agreements.length} agreements by date and status`,
    width, height: bottom + AXIS,
  },
  svg('defs', null, svg('marker', { id: 'tl-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }))),
  axis, parts, svg('g', { class: 'arrows' }, arrows));
}
