// What the organisation pages share: the communities the caller may pick, the org tree as
// names by id, the skill list, and a file download through the API (it needs the token).
import { api } from "../../api.js";
import { hasRole, session } from "../../session.js";

export const ADMINS = ["subdistrict_admin", "community_admin"];
export const isAdmin = () => hasRole(...ADMINS);
export const ID_TYPES = ["resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident"];
export const AVAILABILITY = [
  "weekday_morning",
  "weekday_afternoon",
  "weekday_evening",
  "weekend_morning",
  "weekend_afternoon",
  "weekend_evening",
];
export const TAGS = [
  "party_member",
  "new_org_party_member",
  "old_party_member",
  "old_cadre",
  "old_expert",
  "old_soldier",
  "old_model_worker",
];

// The org tree the caller may read: a subdistrict admin all of it, a community admin their
// communities (one call each); others none (the gateway refuses them the tree).
export async function loadTree() {
  if (hasRole("subdistrict_admin")) return (await api("/api/v1/org/tree")).communities;
  if (!hasRole("community_admin")) return [];
  const each = await Promise.all(
    session.me.communities.map((id) => api("/api/v1/org/tree", { query: { community_id: id } })),
  );
  return each.flatMap((tree) => tree.communities);
}

// { unit id: name } over the whole tree (communities, compounds, buildings, grids).
export function unitNames(communities) {
  const names = {};
  const walk = (unit) => {
    names[unit.id] = unit.name;
    for (const child of unit.children || []) walk(child);
    for (const grid of unit.grids || []) walk(grid);
  };
  for (const c of communities) walk(c);
  return names;
}

let skills = null;
export async function loadSkills() {
  skills ??= api("/api/v1/skills").then((r) => r.skills);
  return skills;
}

export function skillName(list, code, locale) {
  const found = (list || []).find((s) => s.code === code);
  if (!found) return code;
  return locale === "en" ? found.en || found.zh : found.zh;
}

// Fetch a file with the caller's token and hand it to the browser as a download.
export async function download(path, fallbackName, query) {
  const resp = await api(path, { raw: true, query });
  const blob = await resp.blob();
  const disposition = resp.headers.get("Content-Disposition") || "";
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const name = utf8 ? decodeURIComponent(utf8[1]) : fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

export function stars(level) {
  return level > 0 ? "★".repeat(level) : "—";
}
