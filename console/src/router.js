// Each area lists its own routes (pages/<area>/routes.js); every page but sign-in needs a
// signed-in account, and the gateway decides what each account may see.
import { createRouter, createWebHistory } from "vue-router";

import activities from "./pages/activities/routes.js";
import dashboard from "./pages/dashboard/routes.js";
import LoginPage from "./pages/LoginPage.vue";
import notify from "./pages/notify/routes.js";
import org from "./pages/org/routes.js";
import requests from "./pages/requests/routes.js";
import { signedIn } from "./session.js";

export const router = createRouter({
  history: createWebHistory("/console/"),
  routes: [
    { path: "/login", name: "login", component: LoginPage, meta: { public: true } },
    ...dashboard,
    ...org,
    ...activities,
    ...requests,
    ...notify,
    { path: "/:rest(.*)*", redirect: "/" },
  ],
});

router.beforeEach((to) => {
  if (!to.meta.public && !signedIn.value) return { name: "login", query: { next: to.fullPath } };
  return true;
});
