// Loaded when first opened: the charts (ECharts) stay out of the first download.
export default [{ path: "/", name: "dashboard", component: () => import("./DashboardPage.vue") }];
