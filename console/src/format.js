// Dates, times and numbers as the subdistrict reads them: always in Asia/Shanghai, whatever
// the browser's own zone, in the page's language ("zh-CN" or "en").
export const TIME_ZONE = "Asia/Shanghai";

const cache = new Map();

function formatter(locale, options) {
  const key = locale + JSON.stringify(options);
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale || "zh-CN", { timeZone: TIME_ZONE, ...options });
    cache.set(key, f);
  }
  return f;
}

function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

// "2025/5/3 14:05" (zh-CN) or "05/03/2025, 14:05" (en); "" for no value.
export function formatDateTime(iso, locale) {
  const d = toDate(iso);
  if (!d) return "";
  return formatter(locale, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(d);
}

// The calendar day in Shanghai: "2025/05/03".
export function formatDate(iso, locale) {
  const d = toDate(iso);
  if (!d) return "";
  return formatter(locale, { year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
}

// The time of day in Shanghai: "14:05".
export function formatTime(iso, locale) {
  const d = toDate(iso);
  if (!d) return "";
  return formatter(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
}

// A number with the language's grouping: 1,234.5; "" for no value.
export function formatNumber(n, locale, options = {}) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return "";
  return new Intl.NumberFormat(locale || "zh-CN", { maximumFractionDigits: 1, ...options }).format(
    Number(n),
  );
}

// A rate 0..1 as a percentage: 0.875 → "87.5%"; "—" when there is no rate (nothing measured).
export function formatPercent(rate, locale) {
  if (rate === null || rate === undefined || Number.isNaN(Number(rate))) return "—";
  return new Intl.NumberFormat(locale || "zh-CN", {
    style: "percent",
    maximumFractionDigits: 1,
  }).format(Number(rate));
}

// The Shanghai calendar day of a moment as "YYYY-MM-DD" (for date inputs and API filters).
export function shanghaiDay(value = new Date()) {
  const d = toDate(value);
  if (!d) return "";
  const parts = Object.fromEntries(
    formatter("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

// The start of a Shanghai calendar day ("YYYY-MM-DD") as an ISO instant (UTC): Shanghai has
// no daylight saving, so it is always UTC+8.
export function shanghaiDayStart(day) {
  return new Date(`${day}T00:00:00+08:00`).toISOString();
}

// The first and last Shanghai days of the month containing `value`, as "YYYY-MM-DD".
export function shanghaiMonth(value = new Date()) {
  const [y, m] = shanghaiDay(value).split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const mm = String(m).padStart(2, "0");
  return { first: `${y}-${mm}-01`, last: `${y}-${mm}-${String(last).padStart(2, "0")}` };
}
