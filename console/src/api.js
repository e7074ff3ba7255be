// The gateway's public API, and nothing else. A 401 tries the refresh token once, then
// sends the user to sign in again. Errors carry the problem details (422: `errors` by field).
import { clear, persist, session } from "./session.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    // { "location.community_id": "message", ... } for forms to show beside each field.
    this.fields = Object.fromEntries(
      (this.problem.errors || []).map((e) => [e.field, e.message]),
    );
  }
}

let refreshing = null;

async function refreshTokens() {
  if (!session.refresh) return false;
  refreshing ??= fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: session.refresh }),
  })
    .then(async (resp) => {
      if (!resp.ok) return false;
      const tokens = await resp.json();
      session.access = tokens.access_token;
      session.refresh = tokens.refresh_token;
      persist();
      return true;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export async function api(path, { method = "GET", body, query, form, raw, headers } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const each of Array.isArray(value) ? value : [value]) url.searchParams.append(key, each);
  }
  const send = () => {
    const all = { ...(headers || {}) };
    if (session.access) all.Authorization = `Bearer ${session.access}`;
    let payload;
    if (form) payload = form;
    else if (body !== undefined) {
      all["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(url, { method, headers: all, body: payload });
  };
  let resp = await send();
  if (resp.status === 401 && session.refresh && (await refreshTokens())) resp = await send();
  if (resp.status === 401) {
    clear();
    // `next` is the app's own path (the router adds /console/ back).
    const here = window.location.pathname.replace(/^\/console/, "") || "/";
    window.location.assign(`/console/login?next=${encodeURIComponent(here + window.location.search)}`);
    throw new ApiError(401, { title: "signed out" });
  }
  if (!resp.ok) {
    let problem = null;
    try {
      problem = await resp.json();
    } catch {
      problem = null;
    }
    throw new ApiError(resp.status, problem);
  }
  if (raw) return resp;
  if (resp.status === 204) return null;
  return resp.json();
}
