// Organisation (组织架构): the "1+3+N" tree, teams, members (search, register, one member,
// the service proof), and roster import.
import ImportPage from "./ImportPage.vue";
import MemberNewPage from "./MemberNewPage.vue";
import MemberPage from "./MemberPage.vue";
import MembersPage from "./MembersPage.vue";
import OrgTreePage from "./OrgTreePage.vue";
import ProofPage from "./ProofPage.vue";
import TeamPage from "./TeamPage.vue";
import TeamsPage from "./TeamsPage.vue";

export default [
  { path: "/org", name: "org", component: OrgTreePage },
  { path: "/org/teams", name: "org-teams", component: TeamsPage },
  { path: "/org/teams/:id", name: "org-team", component: TeamPage },
  { path: "/org/members", name: "org-members", component: MembersPage },
  { path: "/org/members/new", name: "org-member-new", component: MemberNewPage },
  { path: "/org/members/:id", name: "org-member", component: MemberPage },
  { path: "/org/members/:id/proof", name: "org-proof", component: ProofPage },
  { path: "/org/import", name: "org-import", component: ImportPage },
];
