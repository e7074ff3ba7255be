// What the caller may plan and see: the communities (with their compounds) and the teams
// within their reach, read through the public API. A subdistrict admin sees them all; a
// community admin their communities; a team leader their teams and those teams' sub-squads.
import { api } from "../../api.js";
import { hasRole, session } from "../../session.js";

function flattenTeams(nodes, into = []) {
  for (const node of nodes || []) {
    into.push({ id: node.id, name: node.name, community_id: node.community_id });
    flattenTeams(node.children, into);
  }
  return into;
}

async function quietly(promise, fallback) {
  try {
    return await promise;
  } catch {
    return fallback;
  }
}

export async function loadScope() {
  const me = session.me || { communities: [], teams: [] };
  const communities = new Map();
  const teams = new Map();
  const addCommunities = (tree) => tree.communities?.forEach((c) => communities.set(c.id, c));
  const addTeams = (tree) => flattenTeams(tree.teams).forEach((t) => teams.set(t.id, t));

  if (hasRole("subdistrict_admin")) {
    addCommunities(await quietly(api("/api/v1/org/tree"), {}));
    addTeams(await quietly(api("/api/v1/teams"), {}));
  } else if (hasRole("community_admin")) {
    for (const id of me.communities) {
      addCommunities(await quietly(api("/api/v1/org/tree", { query: { community_id: id } }), {}));
      addTeams(await quietly(api("/api/v1/teams", { query: { community_id: id } }), {}));
    }
  }
  if (hasRole("team_leader")) {
    for (const id of me.teams) {
      const team = await quietly(api(`/api/v1/teams/${encodeURIComponent(id)}`), null);
      if (!team) continue;
      teams.set(team.id, { id: team.id, name: team.name, community_id: team.community_id });
      for (const squad of team.subsquads || []) {
        teams.set(squad.id, { id: squad.id, name: squad.name, community_id: team.community_id });
      }
      if (team.community_id && !communities.has(team.community_id)) {
        communities.set(team.community_id, { id: team.community_id, name: team.community_id, children: [] });
      }
    }
  }
  return { communities: [...communities.values()], teams: [...teams.values()] };
}

// The activity types, named in the current language.
let types = null;
export async function loadTypes() {
  types ??= api("/api/v1/activity-types").then((answer) => answer.items || []).catch(() => {
    types = null;
    return [];
  });
  return types;
}

export function typeName(list, code, locale) {
  const found = list.find((each) => each.code === code);
  if (!found) return code;
  return locale === "en" ? found.en : found.zh;
}
