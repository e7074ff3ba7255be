import DashboardPage from "./DashboardPage.vue";

export default [{ path: "/", name: "dashboard", component: DashboardPage }];
