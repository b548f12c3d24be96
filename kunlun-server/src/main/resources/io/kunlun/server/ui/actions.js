// Forms that post the API's own JSON. "Preview" sends the same request with "dry_run":"1" and
// shows the plan or the refusal; deleting asks for the cluster's name typed out.
import { call, list } from './api.js';
import { el, table, refusal } from './dom.js';

const CLUSTER = { name: 'cluster_name', label: 'Cluster', list: 'cluster-names', required: true };
const MACHINES = { name: 'machinelist', label: 'Machines', hint: 'addresses separated by spaces; empty: any registered machine' };
const count = (name, value) => ({ name, label: name, value, inputmode: 'numeric', required: true });
const text = (name, label, hint) => ({ name, label, hint, required: !hint });
const INSTANCE = [text('ip', 'Instance address'), count('port', '')];

const ACTIONS = {
  create_cluster: { title: 'Create a cluster', fields: [
    text('cluster_name', 'Name', 'empty: generated'), { name: 'ha_mode', label: 'ha_mode', options: ['rbr', 'no_rep', 'mgr'] },
    count('shards', '1'), count('nodes', '2'), count('comps', '1'), count('innodb_size', '1'),
    count('max_connections', '1000'), MACHINES] },
  add_shards: { title: 'Add shards', fields: [CLUSTER, count('shards', '1'), MACHINES] },
  add_comps: { title: 'Add comps', fields: [CLUSTER, count('comps', '1'), MACHINES] },
  add_nodes: { title: 'Add nodes', fields: [CLUSTER, text('shard_name', 'Shard', 'empty: every shard'), count('nodes', '1'), MACHINES] },
  delete_shard: { title: 'Delete a shard', confirm: true, fields: [CLUSTER, text('shard_name', 'Shard')] },
  delete_comp: { title: 'Delete a comp', confirm: true, fields: [CLUSTER, text('comp_name', 'Comp')] },
  delete_node: { title: 'Delete a node', confirm: true, fields: [CLUSTER, text('shard_name', 'Shard'), ...INSTANCE] },
  delete_cluster: { title: 'Delete a cluster', confirm: true, fields: [CLUSTER] },
  control_instance: { title: 'Stop, start or restart an instance', fields: [
    { name: 'control', label: 'control', options: ['stop', 'start', 'restart'] }, ...INSTANCE] },
  backup_cluster: { title: 'Back up a cluster', fields: [{ ...CLUSTER, name: 'backup_cluster_name' }] },
  restore_new_cluster: { title: 'Restore a backup into a new cluster', fields: [
    { ...CLUSTER, name: 'backup_cluster_name', label: 'Backed-up cluster' },
    { ...text('timestamp', 'Restore to'), placeholder: 'YYYY-MM-DD HH:MM:SS' }, MACHINES] },
};

function input(field, initial) {
  const attributes = { name: field.name, required: field.required, list: field.list, inputmode: field.inputmode,
                       placeholder: field.placeholder ?? field.hint, value: initial ?? field.value, autocomplete: 'off' };
  const control = field.options
    ? el('select', { name: field.name }, field.options.map(option => el('option', { value: option }, option)))
    : el('input', attributes);
  return el('label', {}, el('span', {}, field.label), control);
}

/** The request the form describes, as the API reads it: strings, and machinelist as [{"hostaddr":…}]. */
function request(jobType, form, fields) {
  const body = { job_type: jobType, user_name: 'web-console' };
  for (const field of fields) {
    const value = form.elements[field.name].value.trim();
    if (!value) continue;
    body[field.name] = field === MACHINES ? value.split(/[\s,;]+/).filter(Boolean).map(hostaddr => ({ hostaddr })) : value;
  }
  return body;
}

function plan(reply) {
  const { result, info, job_type: _type, dry_run: _dry, ...details } = reply;
  const shown = [el('p', { class: 'plan-info' }, info)];
  for (const [key, value] of Object.entries(details)) {
    const rows = Array.isArray(value) && value.every(item => typeof item === 'object') && value;
    shown.push(rows ? el('div', { class: 'plan', 'data-plan': key }, el('h4', {}, key.replaceAll('_', ' ')), table(rows))
      : el('p', {}, el('strong', {}, `${key.replaceAll('_', ' ')}: `), typeof value === 'object' ? JSON.stringify(value) : value));
  }
  return shown;
}

export async function actions(section, jobType, query) {
  section.append(el('h2', {}, 'Actions'), el('nav', { class: 'action-list' },
    Object.entries(ACTIONS).map(([type, action]) =>
      el('a', { href: `#/actions/${type}${query.has('cluster') ? `?cluster=${encodeURIComponent(query.get('cluster'))}` : ''}`,
                'aria-current': type === jobType ? 'page' : null }, action.title))));
  const action = ACTIONS[jobType];
  if (!action) return;
  const names = (await list({ job_type: 'get_cluster' })).map(cluster => el('option', { value: cluster.name }));
  const outcome = el('div', { class: 'outcome', 'aria-live': 'polite' });
  const confirm = action.confirm && el('input', { name: 'confirm', autocomplete: 'off', required: true });
  const submit = el('button', { type: 'submit', class: action.confirm ? 'danger' : null, disabled: action.confirm }, 'Submit');
  const form = el('form', { class: 'job-form', 'data-job-type': jobType },
    el('h3', {}, action.title, ' ', el('code', {}, jobType)),
    el('datalist', { id: 'cluster-names' }, names),
    action.fields.map(field => input(field, field.list ? query.get('cluster') : undefined)),
    confirm && el('label', { class: 'confirm' }, el('span', {}, "Type the cluster's name to confirm"), confirm),
    el('p', {}, el('button', { type: 'button', name: 'preview' }, 'Preview'), ' ', submit), outcome);
  const clusterField = form.elements.cluster_name;
  const checkConfirmed = () => { if (confirm) submit.disabled = !clusterField.value || confirm.value !== clusterField.value; };
  form.addEventListener('input', checkConfirmed);
  form.elements.preview.addEventListener('click', async () => {
    if (!form.reportValidity()) return;
    outcome.replaceChildren(el('p', {}, 'Asking for the plan…'));
    const reply = await call({ ...request(jobType, form, action.fields), dry_run: '1' });
    outcome.replaceChildren(...(reply.result === 'failed' ? [refusal(reply.info)] : plan(reply)));
  });
  form.addEventListener('submit', async event => {
    event.preventDefault();
    checkConfirmed();
    if (submit.disabled) return;
    submit.disabled = true;
    const reply = await call(request(jobType, form, action.fields));
    if (reply.result === 'failed') {
      outcome.replaceChildren(refusal(reply.info));
      submit.disabled = false;
    } else {
      location.hash = `#/jobs/${encodeURIComponent(reply.job_id)}`;
    }
  });
  section.append(form);
}
