// Who is signed in: tokens in sessionStorage (gone with the tab), the account from /auth/me.
import { computed, reactive } from "vue";

const KEY = "redvest.session";

export const session = reactive({
  access: null,
  refresh: null,
  me: null,
  ...JSON.parse(sessionStorage.getItem(KEY) || "{}"),
});

export function save(tokens, me) {
  Object.assign(session, { access: tokens.access_token, refresh: tokens.refresh_token, me });
  persist();
}

export function persist() {
  sessionStorage.setItem(
    KEY,
    JSON.stringify({ access: session.access, refresh: session.refresh, me: session.me }),
  );
}

export function clear() {
  Object.assign(session, { access: null, refresh: null, me: null });
  sessionStorage.removeItem(KEY);
}

export const signedIn = computed(() => Boolean(session.access && session.me));

export function hasRole(...roles) {
  return Boolean(session.me && roles.some((role) => session.me.roles.includes(role)));
}

// The communities the caller administers (empty for a subdistrict admin: all of them).
export const myCommunities = computed(() => (session.me ? session.me.communities : []));
