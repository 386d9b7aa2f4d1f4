// The API as the views see it: same-origin GETs that answer parsed JSON or
// throw an ApiError saying what went wrong in words a reader can act on.

export class ApiError extends Error {
  // status: the HTTP status, or 0 when the server could not be reached.
  // problem: the RFC 9457 body the server sent, when it sent one.
  constructor(status, message, problem = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

// Builds "/v1/<path>?a=b" from a path and an object of parameters; empty
// values are left out so an unset filter never reaches the server.
export function apiUrl(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return `/v1/${path}${text ? `?${text}` : ''}`;
}

async function problemOf(response) {
  try {
    const type = response.headers.get('Content-Type') || '';
    if (type.startsWith('application/problem+json') || type.startsWith('application/json')) {
      return await response.json();
    }
  } catch {
    // A body that is not JSON: the status alone has to do.
  }
  return null;
}

// GETs a JSON document. `signal` lets a newer request (the next keystroke
// of a search) cancel this one; a cancelled request rejects with an
// AbortError, which callers ignore.
export async function getJson(path, params = {}, signal = undefined) {
  let response;
  try {
    response = await fetch(apiUrl(path, params), {
      headers: { Accept: 'application/json' },
      signal,
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'The wirebase server cannot be reached. Check that it is running, then try again.');
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    const detail = problem && typeof problem.detail === 'string' ? problem.detail : response.statusText;
    throw new ApiError(response.status, detail || `the server answered ${response.status}`, problem);
  }
  return response.json();
}

// Slugs go into paths: encode them, since a slug could come from a link
// someone typed by hand.
export function recordPath(kind, slug) {
  return `${kind}/${encodeURIComponent(slug)}`;
}
