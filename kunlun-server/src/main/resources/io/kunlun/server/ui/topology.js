// A cluster's topology as inline SVG: comps on top, linked to every shard; each shard a box with
// its primary above its replicas, an arrow from each replica to the primary it replicates from.
import { svg, statusClass } from './dom.js';

const NODE_W = 200, NODE_H = 46, GAP = 18, PAD = 12, HEAD = 24, COMP_ROW = 60, MARGIN = 8;

function node(x, y, label, instance, role) {
  const address = `${instance.ip}:${instance.port}`;
  return svg('g', { class: `node ${role} ${statusClass(instance.status)}`, 'data-role': role,
                    'data-address': address, 'data-status': instance.status },
    svg('title', {}, `${label} ${address}: ${instance.status}`),
    svg('rect', { x, y, width: NODE_W, height: NODE_H, rx: 6 }),
    svg('text', { x: x + 10, y: y + 18, class: 'label' }, role === 'primary' ? `★ ${label}` : label),
    svg('text', { x: x + 10, y: y + 36 }, `${address} · ${instance.status}`));
}

const line = (x1, y1, x2, y2, attributes) => svg('line', { x1, y1, x2, y2, ...attributes });

/** storage: get_storage's entries (primary first in each shard); comps: get_computer's. */
export function topology(name, storage, comps) {
  const shards = [...new Set(storage.map(instance => instance.shard))].map(shard => {
    const nodes = storage.filter(instance => instance.shard === shard);
    const primary = nodes.find(instance => instance.role === 'primary') ?? nodes[0];
    const replicas = nodes.filter(instance => instance !== primary);
    const width = Math.max(1, replicas.length) * (NODE_W + GAP) - GAP + 2 * PAD;
    const height = HEAD + NODE_H + (replicas.length ? GAP * 2 + NODE_H : 0) + PAD;
    return { shard, primary, replicas, width, height };
  });
  const shardsTop = MARGIN + (comps.length ? NODE_H + COMP_ROW : 0);
  const shardsWidth = shards.reduce((sum, shard) => sum + shard.width + GAP, -GAP);
  const compsWidth = comps.length * (NODE_W + GAP) - GAP;
  const width = Math.max(shardsWidth, compsWidth, NODE_W) + 2 * MARGIN;
  const height = shardsTop + Math.max(0, ...shards.map(shard => shard.height)) + MARGIN;
  const arrow = `arrow-${name}`;
  const drawing = svg('svg', { class: 'topology', width, height, viewBox: `0 0 ${width} ${height}`,
                               role: 'img', 'aria-label': `topology of ${name}` },
    svg('defs', {}, svg('marker', { id: arrow, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8,
                                    markerHeight: 8, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }))));
  let x = MARGIN + (width - 2 * MARGIN - shardsWidth) / 2;
  for (const shard of shards) {
    shard.x = x;
    x += shard.width + GAP;
  }
  const compsLeft = MARGIN + (width - 2 * MARGIN - compsWidth) / 2;
  comps.forEach((comp, index) => {
    const cx = compsLeft + index * (NODE_W + GAP);
    for (const shard of shards) {
      drawing.append(line(cx + NODE_W / 2, MARGIN + NODE_H, shard.x + shard.width / 2, shardsTop, { class: 'link' }));
    }
    drawing.append(node(cx, MARGIN, comp.name, comp, 'comp'));
  });
  for (const shard of shards) {
    const group = svg('g', { class: 'shard', 'data-shard': shard.shard },
      svg('rect', { x: shard.x, y: shardsTop, width: shard.width, height: shard.height, rx: 8, class: 'shard-box' }),
      svg('text', { x: shard.x + PAD, y: shardsTop + 17, class: 'shard-name' }, shard.shard));
    const top = shardsTop + HEAD;
    const px = shard.x + (shard.width - NODE_W) / 2;
    shard.replicas.forEach((replica, index) => {
      const rx = shard.x + PAD + index * (NODE_W + GAP);
      const ry = top + NODE_H + GAP * 2;
      group.append(line(rx + NODE_W / 2, ry, px + NODE_W / 2, top + NODE_H,
        { class: 'replication', 'marker-end': `url(#${arrow})` }));
      group.append(node(rx, ry, 'replica', replica, 'replica'));
    });
    if (shard.primary) group.append(node(px, top, 'primary', shard.primary, 'primary'));
    drawing.append(group);
  }
  return drawing;
}
