// The single page: #/fleet, #/clusters, #/jobs[/<job id>], #/events, #/actions[/<job type>][?cluster=<name>].
import { Refusal } from './api.js';
import { el, redraw, refusal } from './dom.js';
import { fleet, clusters, jobs, events } from './views.js';
import { actions } from './actions.js';

/** Each view draws into a new section; "every" redraws it while it is shown (statuses change). */
const ROUTES = {
  fleet: { view: fleet, every: 10 },
  clusters: { view: clusters, every: 5 },
  jobs: { view: jobs },
  events: { view: events, every: 5 },
  actions: { view: actions },
};
let shown = 0;
let stops = [];

async function show() {
  stops.forEach(stop => stop());
  stops = [];
  const generation = ++shown;
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, argument] = path.split('/');
  const routeName = name in ROUTES ? name : 'clusters';
  const route = ROUTES[routeName];
  for (const link of document.querySelectorAll('nav a')) {
    link.toggleAttribute('aria-current', link.getAttribute('href') === `#/${routeName}`);
  }
  const draw = async () => {
    const section = el('section', { class: `view view-${routeName}` });
    let stop;
    try {
      stop = await route.view(section, decodeURIComponent(argument ?? ''), new URLSearchParams(query ?? ''));
    } catch (error) {
      section.append(refusal(error instanceof Refusal ? error.message : `the page failed: ${error.message}`));
    }
    if (generation !== shown) {
      stop?.();
      return;
    }
    if (stop) stops.push(stop);
    redraw(document.getElementById('view'), [section]);
  };
  await draw();
  if (route.every && generation === shown) {
    const timer = setInterval(draw, route.every * 1000);
    stops.push(() => clearInterval(timer));
  }
}

window.addEventListener('hashchange', show);
show();
