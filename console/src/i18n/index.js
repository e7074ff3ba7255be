// zh-CN first, English available: each area keeps its own messages (i18n/<area>.js) so the
// pages of one area are written without touching another's.
import { createI18n } from "vue-i18n";

import activities from "./activities.js";
import common from "./common.js";
import dashboard from "./dashboard.js";
import notify from "./notify.js";
import org from "./org.js";
import requests from "./requests.js";

const AREAS = [common, dashboard, org, activities, requests, notify];
const LANGS = ["zh-CN", "en"];
const STORED = "redvest.lang";

const messages = Object.fromEntries(
  LANGS.map((lang) => [lang, Object.assign({}, ...AREAS.map((area) => area[lang] || {}))]),
);

export const i18n = createI18n({
  legacy: false,
  locale: localStorage.getItem(STORED) || "zh-CN",
  fallbackLocale: "zh-CN",
  messages,
});

export function setLanguage(lang) {
  i18n.global.locale.value = lang;
  localStorage.setItem(STORED, lang);
  document.documentElement.lang = lang;
}

document.documentElement.lang = i18n.global.locale.value;
