// The menu by role: only what the account's roles can open (the gateway decides anyway).
const ITEMS = [
  { to: "/", label: "nav.dashboard", roles: ["subdistrict_admin", "community_admin", "team_leader"] },
  { to: "/org", label: "nav.org", roles: ["subdistrict_admin", "community_admin", "team_leader"] },
  { to: "/activities", label: "nav.activities", roles: ["subdistrict_admin", "community_admin", "team_leader", "volunteer"] },
  { to: "/requests", label: "nav.requests", roles: ["subdistrict_admin", "community_admin", "team_leader", "volunteer"] },
  { to: "/wishes", label: "nav.wishes", roles: ["subdistrict_admin", "community_admin", "volunteer"] },
  { to: "/inbox", label: "nav.inbox", roles: null },
  { to: "/notify/rules", label: "nav.rules", roles: ["subdistrict_admin"] },
  { to: "/notify/deliveries", label: "nav.deliveries", roles: ["subdistrict_admin"] },
];

export function menuFor(me) {
  if (!me) return [];
  return ITEMS.filter((item) => !item.roles || item.roles.some((r) => me.roles.includes(r)));
}
