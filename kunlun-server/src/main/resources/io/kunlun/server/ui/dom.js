// Elements built from data: text always goes in as text, never as markup.
const SVG = 'http://www.w3.org/2000/svg';

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) element.setAttribute(name, value);
  }
  element.append(...children.flat().filter(child => child !== undefined && child !== null));
  return element;
}

export const el = (tag, attributes, ...children) => build(document.createElement(tag), attributes, children);
export const svg = (tag, attributes, ...children) => build(document.createElementNS(SVG, tag), attributes, children);

/** A table of objects, one column per key any of them has; lists are joined, objects shown as JSON. */
export function table(rows, columns = [...new Set(rows.flatMap(Object.keys))]) {
  const cell = value => Array.isArray(value) ? value.map(cell).join(', ')
    : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value ?? '');
  return el('table', {},
    el('thead', {}, el('tr', {}, columns.map(column => el('th', {}, column.replaceAll('_', ' '))))),
    el('tbody', {}, rows.map(row => el('tr', {}, columns.map(column => el('td', {}, cell(row[column])))))));
}

/** Puts the elements into the parent, keeping each old child that is drawn the same (and what points at it). */
export function redraw(parent, elements) {
  const old = new Map([...parent.children].map(child => [child.outerHTML, child]));
  parent.replaceChildren(...elements.map(element => old.get(element.outerHTML) ?? element));
}

export const refusal = info => el('p', { class: 'refusal' }, el('strong', {}, 'Refused: '), info);

export function bytes(count) {
  const gib = Number(count) / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${(Number(count) / 2 ** 20).toFixed(0)} MiB`;
}

/** The status colour class of an instance: active, stopped, creating, or anything else (failed). */
export const statusClass = status => `status-${['active', 'stopped', 'creating'].includes(status) ? status : 'failed'}`;
