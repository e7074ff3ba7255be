// What the requests pages share: the org tree the caller may see, the kinds' catalogue, and
// the statuses as the board groups them.
import { api } from "../../api.js";
import { formatDate, formatDateTime, formatTime } from "../../format.js";
import { hasRole, session } from "../../session.js";

// The board's columns, in the order a request moves; the side exits share the last.
export const COLUMNS = ["submitted", "accepted", "dispatched", "in_progress", "resolved", "closed", "ended"];
export const ENDED = ["returned", "transferred", "cancelled"];
export const OPEN = ["accepted", "dispatched", "in_progress"];

export const REQUEST_EVENTS = [
  "created",
  "accepted",
  "returned",
  "dispatched",
  "started",
  "extension_requested",
  "extension_approved",
  "resolved",
  "follow_up_recorded",
  "closed",
  "reopened",
  "transferred",
  "cancelled",
  "overdue",
].map((name) => `cn.redvest.requests.request.${name}.v1`);

export function columnOf(status) {
  return ENDED.includes(status) ? "ended" : status;
}

export function isOverdue(request, now = Date.now()) {
  return OPEN.includes(request.status) && request.deadline && Date.parse(request.deadline) < now;
}

// The communities (with compounds and buildings) the caller administers: a subdistrict admin
// all of them, a community admin theirs (the tree is asked for one community at a time).
export async function loadCommunities() {
  if (hasRole("subdistrict_admin")) return (await api("/api/v1/org/tree")).communities;
  if (!hasRole("community_admin")) return [];
  const trees = await Promise.all(
    (session.me.communities || []).map((id) =>
      api("/api/v1/org/tree", { query: { community_id: id } }).then(
        (tree) => tree.communities,
        () => [{ id, name: id, children: [] }],
      ),
    ),
  );
  return trees.flat();
}

export async function loadKinds() {
  return (await api("/api/v1/request-kinds")).items;
}

// A localized {zh, en} pair, or a kind's zh/en names.
export function localName(pair, locale) {
  if (!pair) return "";
  if (typeof pair === "string") return pair;
  return (locale === "en" ? pair.en : pair.zh) || pair.zh || pair.en || "";
}

// A message key's text when it exists, else the raw value (codes the catalogue may add).
export function label(t, te, key, fallback) {
  return te(key) ? t(key) : fallback;
}

// A deadline is 24:00 local time of its last day: "2025/10/11 24:00", not the next day's 00:00.
export function deadlineText(iso, locale) {
  if (!iso) return "";
  if (formatTime(iso, locale) !== "00:00") return formatDateTime(iso, locale);
  const dayBefore = new Date(Date.parse(iso) - 60 * 1000);
  return `${formatDate(dayBefore, locale)} 24:00`;
}
