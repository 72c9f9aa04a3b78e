// The state machine graph, laid out from the ASL: states in layers by their longest path from
// StartAt (loops broken at their back edges), ordered in each layer by their parents' positions,
// drawn as SVG.

const WIDTH = 178;
const HEIGHT = 38;
const GAP_X = 26;
const GAP_Y = 34;
const SVG = 'http://www.w3.org/2000/svg';

/** Transitions of a state: Next, Default, each Choice, each Catch (`catch`). */
function transitions(state) {
  const out = [];
  if (state.Next) out.push({ to: state.Next, kind: 'next' });
  for (const choice of state.Choices ?? []) out.push({ to: choice.Next, kind: 'next' });
  if (state.Default) out.push({ to: state.Default, kind: 'next' });
  for (const handler of state.Catch ?? []) out.push({ to: handler.Next, kind: 'catch' });
  return out;
}

export function layout(definition) {
  const names = Object.keys(definition.States);
  const edges = [];
  for (const from of names) {
    const seen = new Set();
    for (const { to, kind } of transitions(definition.States[from])) {
      if (!definition.States[to] || seen.has(`${to}:${kind}`)) continue;
      seen.add(`${to}:${kind}`);
      edges.push({ from, to, kind, back: false });
    }
  }
  // Back edges: those that reach a state on the current depth-first path.
  const state = new Map();
  const visit = (name) => {
    state.set(name, 'open');
    for (const edge of edges.filter((e) => e.from === name)) {
      const target = state.get(edge.to);
      if (target === 'open') edge.back = true;
      else if (!target) visit(edge.to);
    }
    state.set(name, 'done');
  };
  visit(definition.StartAt);
  for (const name of names) if (!state.has(name)) visit(name);

  // Layers: longest path over forward edges.
  const layer = new Map(names.map((name) => [name, 0]));
  const forward = edges.filter((edge) => !edge.back);
  for (let pass = 0; pass < names.length; pass++) {
    let changed = false;
    for (const edge of forward) {
      const next = (layer.get(edge.from) ?? 0) + 1;
      if (next > (layer.get(edge.to) ?? 0)) {
        layer.set(edge.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const layers = [];
  for (const name of names) {
    const depth = layer.get(name);
    layers[depth] ??= [];
    layers[depth].push(name);
  }

  // Order in each layer by the mean position of the parents, keeping the definition's order on ties.
  const position = new Map();
  layers.forEach((row, depth) => {
    const score = (name) => {
      const parents = forward.filter((edge) => edge.to === name && position.has(edge.from));
      if (parents.length === 0) return Number.POSITIVE_INFINITY;
      return parents.reduce((sum, edge) => sum + position.get(edge.from), 0) / parents.length;
    };
    const scored = row.map((name, index) => ({ name, index, score: depth === 0 ? index : score(name) }));
    scored.sort((a, b) => a.score - b.score || a.index - b.index);
    row.splice(0, row.length, ...scored.map((entry) => entry.name));
    row.forEach((name, index) => {
      position.set(name, index - (row.length - 1) / 2);
    });
  });
  const widest = Math.max(...layers.map((row) => row.length));
  const width = widest * (WIDTH + GAP_X) + 2 * GAP_X + 40;
  const nodes = new Map();
  layers.forEach((row, depth) => {
    for (const name of row) {
      const x = width / 2 + position.get(name) * (WIDTH + GAP_X) - WIDTH / 2;
      nodes.set(name, { name, type: definition.States[name].Type, x, y: 16 + depth * (HEIGHT + GAP_Y) });
    }
  });
  return { nodes, edges, width, height: 32 + layers.length * (HEIGHT + GAP_Y) - GAP_Y };
}

function element(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function edgePath(from, to, edge, width) {
  if (edge.back) {
    // Around the right-hand side, from the source's right edge to the target's.
    const x1 = from.x + WIDTH;
    const y1 = from.y + HEIGHT / 2;
    const x2 = to.x + WIDTH;
    const y2 = to.y + HEIGHT / 2;
    const out = Math.min(Math.max(x1, x2) + 40, width - 4);
    return `M${x1},${y1} C${out},${y1} ${out},${y2} ${x2 + 6},${y2}`;
  }
  const x1 = from.x + WIDTH / 2;
  const y1 = from.y + HEIGHT;
  const x2 = to.x + WIDTH / 2;
  const y2 = to.y - 6;
  const bend = Math.max(GAP_Y / 2, (y2 - y1) / 3);
  return `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}`;
}

/** Draws the graph into `container`; returns what marks states (name -> mark or undefined). */
export function drawGraph(container, definition) {
  const { nodes, edges, width, height } = layout(definition);
  const svg = element('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, role: 'img' });
  const defs = element('defs');
  const marker = element('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto-start-reverse',
  });
  marker.append(element('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8a9aa9' }));
  defs.append(marker);
  svg.append(defs);
  for (const edge of edges) {
    const from = nodes.get(edge.from);
    const to = nodes.get(edge.to);
    const classes = ['edge', edge.kind === 'catch' ? 'catch' : '', edge.back ? 'back' : ''].join(' ');
    svg.append(
      element('path', { class: classes, d: edgePath(from, to, edge, width), 'marker-end': 'url(#arrow)' }),
    );
  }
  const groups = new Map();
  for (const node of nodes.values()) {
    const group = element('g', {
      class: 'node',
      'data-state': node.name,
      'data-type': node.type,
      transform: `translate(${node.x},${node.y})`,
    });
    group.append(element('rect', { width: WIDTH, height: HEIGHT, rx: node.type === 'Choice' ? 16 : 6 }));
    group.append(element('text', { x: WIDTH / 2, y: 16, 'text-anchor': 'middle' }, shorten(node.name)));
    group.append(element('text', { x: WIDTH / 2, y: 30, 'text-anchor': 'middle', class: 'type' }, node.type));
    group.append(element('title', {}, node.name));
    svg.append(group);
    groups.set(node.name, group);
  }
  container.replaceChildren(svg);
  return (name, mark) => {
    const group = groups.get(name);
    if (!group) return false;
    if ((group.getAttribute('data-mark') ?? undefined) === mark) return false;
    if (mark) group.setAttribute('data-mark', mark);
    else group.removeAttribute('data-mark');
    return true;
  };
}

function shorten(name) {
  return name.length > 26 ? `${name.slice(0, 25)}…` : name;
}

/**
 * Each state's mark from the history: `current` while entered and not exited, `succeeded` once
 * exited, `failed` when its last task attempt failed or a Fail state ended the execution, `caught`
 * when it failed and a Catch went on.
 */
export function marksFrom(events) {
  const marks = new Map();
  const times = new Map();
  let current;
  for (const event of events) {
    const at = event.timestamp * 1000;
    const entered = event.stateEnteredEventDetails;
    const exited = event.stateExitedEventDetails;
    if (entered) {
      if (current && marks.get(current) === 'failed') marks.set(current, 'caught');
      current = entered.name;
      marks.set(current, 'current');
      times.set(current, at);
    } else if (exited) {
      marks.set(exited.name, 'succeeded');
      times.set(exited.name, at);
    } else if (event.type === 'TaskFailed' && current) {
      marks.set(current, 'failed');
      times.set(current, at);
    } else if (event.type === 'ExecutionSucceeded' && current) {
      if (marks.get(current) === 'current') marks.set(current, 'succeeded');
      times.set(current, at);
    } else if (/^Execution(Failed|TimedOut|Aborted)$/.test(event.type) && current) {
      if (marks.get(current) === 'current') marks.set(current, 'failed');
      times.set(current, at);
    } else if (event.type === 'TaskScheduled' && current && marks.get(current) === 'failed') {
      // A retry: the state runs again.
      marks.set(current, 'current');
    }
  }
  return { marks, times };
}
