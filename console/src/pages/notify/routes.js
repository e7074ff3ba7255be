import DeliveriesPage from "./DeliveriesPage.vue";
import InboxPage from "./InboxPage.vue";
import RulesPage from "./RulesPage.vue";

export default [
  { path: "/inbox", name: "inbox", component: InboxPage },
  { path: "/notify/rules", name: "notify-rules", component: RulesPage },
  { path: "/notify/deliveries", name: "notify-deliveries", component: DeliveriesPage },
];
