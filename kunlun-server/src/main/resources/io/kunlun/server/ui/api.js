// The manager's job API, called as every client calls it: POST / with the request's own JSON.
const TOKEN_KEY = 'kunlun.access_token';
let tokenAsked = null;

/** A reply whose result is "failed": the manager refused, info says why. */
export class Refusal extends Error {}

/**
 * Sends one request and answers the reply's JSON, whatever the HTTP status (refusals are JSON
 * too; so is an unreachable manager, as a refusal). A 401 asks for the access token and sends the
 * request again with it.
 */
export async function call(request) {
  for (;;) {
    const headers = { 'Content-Type': 'application/json' };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch('/', { method: 'POST', headers, body: JSON.stringify(request), cache: 'no-store' });
    } catch (error) {
      return { result: 'failed', info: `the manager could not be reached: ${error.message}` };
    }
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      await askForToken(token ? 'The manager refused this token.' : '');
      continue;
    }
    try {
      return await response.json();
    } catch {
      return { result: 'failed', info: `HTTP ${response.status} ${response.statusText}, without a JSON reply` };
    }
  }
}

/** The entries of a query's reply ({"cluster0":{…},…}, or one list: {"jobs":[…]}); a refusal throws it. */
export async function list(request) {
  const reply = await call(request);
  if (reply.result === 'failed') throw new Refusal(reply.info);
  const fields = Object.values(reply);
  return fields.length === 1 && Array.isArray(fields[0]) ? fields[0] : fields;
}

/** Shows the token form once for every request waiting for it; resolves when a token was given. */
function askForToken(message) {
  tokenAsked ??= new Promise(resolve => {
    const dialog = document.getElementById('token-dialog');
    const form = document.getElementById('token-form');
    document.getElementById('token-message').textContent = message;
    dialog.oncancel = event => event.preventDefault();
    form.onsubmit = event => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, form.token.value.trim());
      form.reset();
      dialog.close();
      tokenAsked = null;
      resolve();
    };
    dialog.showModal();
  });
  return tokenAsked;
}
