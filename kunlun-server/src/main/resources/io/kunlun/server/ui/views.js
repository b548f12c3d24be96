// The read-only views: the fleet, the clusters with their topology, the jobs, the manager's own actions.
import { call, list, Refusal } from './api.js';
import { el, bytes, redraw, statusClass } from './dom.js';
import { topology } from './topology.js';

/** Every cluster (get_cluster) with its storage nodes (get_storage) and comps (get_computer). */
async function clustersWithInstances() {
  return Promise.all((await list({ job_type: 'get_cluster' })).map(async cluster => ({
    ...cluster,
    storage: await list({ job_type: 'get_storage', cluster_name: cluster.name }),
    computers: await list({ job_type: 'get_computer', cluster_name: cluster.name }),
  })));
}

/** Every machine, page after page: list_machines answers at most 1 000 a reply, with next_after while more follow. */
async function allMachines() {
  const machines = [];
  for (let after = null; ;) {
    const reply = await call(after ? { job_type: 'list_machines', after } : { job_type: 'list_machines' });
    if (reply.result === 'failed') throw new Refusal(reply.info);
    const { next_after: next, ...page } = reply;
    machines.push(...Object.values(page));
    if (!next) return machines;
    after = next;
  }
}

const counted = (count, noun) => `${count} ${noun}${String(count) === '1' ? '' : 's'}`;

const actionLink = (jobType, cluster, text) =>
  el('a', { href: `#/actions/${jobType}?cluster=${encodeURIComponent(cluster)}`, class: 'action' }, text);

export async function fleet(section) {
  const [machines, clusters] = await Promise.all([allMachines(), clustersWithInstances()]);
  const instancesOn = hostaddr => clusters.flatMap(cluster => [
    ...cluster.storage.map(node => ({ ...node, what: `${cluster.name} ${node.shard} ${node.role}` })),
    ...cluster.computers.map(comp => ({ ...comp, what: `${cluster.name} ${comp.name}` })),
  ]).filter(instance => instance.ip === hostaddr);
  section.append(el('h2', {}, `Fleet: ${counted(machines.length, 'machine')}`));
  if (!machines.length) {
    section.append(el('p', {}, 'No machine is registered: register machines with create_machine (kunlunctl machine add).'));
    return;
  }
  section.append(el('table', { class: 'fleet' },
    el('thead', {}, el('tr', {}, ['Machine', 'Rack', 'Memory', 'Cores', 'Paths (free of total)', 'Instances']
      .map(title => el('th', {}, title)))),
    el('tbody', {}, machines.map(machine => el('tr', { 'data-machine': machine.hostaddr },
      el('td', {}, machine.hostaddr),
      el('td', {}, machine.rack_id ?? ''),
      el('td', {}, `${machine.total_mem} MB`),
      el('td', {}, machine.total_cpu_cores),
      el('td', {}, el('ul', {}, (machine.paths ?? []).map(path =>
        el('li', {}, `${path.path}: ${bytes(path.free_bytes)} of ${bytes(path.total_bytes)}`)))),
      el('td', {}, el('ul', { class: 'instances' }, instancesOn(machine.hostaddr).map(instance =>
        el('li', { class: statusClass(instance.status) }, `${instance.what} :${instance.port} (${instance.status})`)))))))));
}

export async function clusters(section) {
  const all = await clustersWithInstances();
  section.append(el('h2', {}, `Clusters: ${all.length}`),
    el('p', {}, el('a', { href: '#/actions/create_cluster', class: 'action' }, 'Create a cluster')));
  if (!all.length) section.append(el('p', {}, 'No cluster yet.'));
  for (const cluster of all) {
    section.append(el('article', { class: 'cluster', 'data-cluster': cluster.name },
      el('h3', {}, cluster.name),
      el('p', { class: 'summary' }, `${cluster.ha_mode} · ${counted(cluster.shards, 'shard')} × `
        + `${counted(cluster.nodes, 'node')} · ${counted(cluster.comps, 'comp')}`),
      el('p', { class: 'actions' }, [['add_shards', 'add shards'], ['add_comps', 'add comps'], ['add_nodes', 'add nodes'],
        ['delete_shard', 'delete a shard'], ['delete_comp', 'delete a comp'], ['delete_node', 'delete a node'],
        ['backup_cluster', 'back up'], ['delete_cluster', 'delete the cluster']]
        .map(([jobType, text]) => actionLink(jobType, cluster.name, text))),
      topology(cluster.name, cluster.storage, cluster.computers)));
  }
}

const RUNNING = new Set(['accept', 'ongoing']);

function jobRow(job, followed) {
  const [done, total] = (job.progress ?? '').split('/').map(Number);
  return el('tr', { 'data-job': job.job_id, 'data-result': job.result, class: job.job_id === followed ? 'followed' : null },
    el('td', {}, job.job_id),
    el('td', {}, job.job_type),
    el('td', {}, el('span', { class: `result result-${job.result}` }, job.result)),
    el('td', { class: 'step' }, job.step ?? ''),
    el('td', { class: 'progress' }, total ? el('progress', { value: done, max: total }) : null, job.progress ?? ''),
    el('td', {}, job.submitted_at ?? ''),
    el('td', {}, job.ended_at ?? ''),
    el('td', { class: job.result === 'failed' ? 'refusal' : 'info' }, job.info ?? ''));
}

/** The newest jobs; the running ones are followed with get_status every second, the list read again every 3 s. */
export async function jobs(section, followed) {
  const known = new Map();
  const body = el('tbody', {});
  const draw = () => redraw(body, [...known.values()].map(job => jobRow(job, followed)));
  const readList = async () => {
    const newest = await list({ job_type: 'list_jobs', limit: '50' });
    const before = new Map(known);
    known.clear();
    for (const job of newest) known.set(job.job_id, job);
    for (const [id, job] of before) if (!known.has(id)) known.set(id, job);
    if (followed && !known.has(followed)) {
      const job = await call({ job_type: 'get_status', job_id: followed });
      if (job.job_id) known.set(followed, job);
    }
    draw();
  };
  const pollRunning = async () => {
    const running = [...known.values()].filter(job => RUNNING.has(job.result));
    for (const job of await Promise.all(running.map(job => call({ job_type: 'get_status', job_id: job.job_id })))) {
      if (job.job_id) known.set(job.job_id, job);
    }
    if (running.length) draw();
  };
  await readList();
  section.append(el('h2', {}, 'Jobs'), el('table', { class: 'jobs' },
    el('thead', {}, el('tr', {}, ['Job', 'Type', 'Result', 'Step', 'Progress', 'Submitted', 'Ended', 'Info']
      .map(title => el('th', {}, title)))), body));
  const timers = [setInterval(pollRunning, 1000), setInterval(readList, 3000)];
  return () => timers.forEach(clearInterval);
}

/**
 * What the manager did on its own: its automatic jobs (list_jobs with automatic "1": auto_restart, auto_failover,
 * auto_rejoin, with their steps while they run), then the events they ended with (list_events), newest first.
 */
export async function events(section) {
  const [automatic, all] = await Promise.all([list({ job_type: 'list_jobs', automatic: '1', limit: '50' }),
    list({ job_type: 'list_events', limit: '200' })]);
  section.append(el('h2', {}, `Automatic actions: ${all.length}`));
  if (!all.length && !automatic.length) {
    section.append(el('p', {}, 'None yet: the manager has not had to start an instance again or replace a primary.'));
    return;
  }
  section.append(el('h3', {}, 'Automatic jobs'), el('table', { class: 'jobs automatic' },
    el('thead', {}, el('tr', {}, ['Job', 'Type', 'Result', 'Step', 'Progress', 'Submitted', 'Ended', 'Info']
      .map(title => el('th', {}, title)))),
    el('tbody', {}, automatic.map(job => jobRow(job)))));
  section.append(el('h3', {}, 'Events'), el('table', { class: 'events' },
    el('thead', {}, el('tr', {}, ['Time', 'Cluster', 'Instance', 'Action', 'Detail'].map(title => el('th', {}, title)))),
    el('tbody', {}, all.map(event => el('tr', { 'data-kind': event.kind },
      el('td', {}, event.time), el('td', {}, event.cluster), el('td', {}, event.instance),
      el('td', { class: `event event-${event.kind}` }, event.kind.replaceAll('_', ' ')),
      el('td', {}, event.detail ?? ''))))));
}
