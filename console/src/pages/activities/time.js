// Dates and times of activities in the subdistrict's time zone (Asia/Shanghai, UTC+8 all
// year: no summer time, so a wall-clock time there is the same instant every day of the year).
export const ZONE = "Asia/Shanghai";
const OFFSET = "+08:00";

const cache = new Map();
function formatter(locale, options) {
  const key = locale + JSON.stringify(options);
  if (!cache.has(key)) cache.set(key, new Intl.DateTimeFormat(locale, { timeZone: ZONE, ...options }));
  return cache.get(key);
}

export function formatDateTime(locale, iso) {
  if (!iso) return "";
  return formatter(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function formatTime(locale, iso) {
  if (!iso) return "";
  return formatter(locale, { hour: "2-digit", minute: "2-digit", hour12: false }).format(new Date(iso));
}

export function formatDay(locale, iso) {
  return formatter(locale, { month: "long", day: "numeric", weekday: "short" }).format(new Date(iso));
}

export function formatMonth(locale, year, month) {
  return formatter(locale, { year: "numeric", month: "long" }).format(new Date(Date.UTC(year, month - 1, 15)));
}

// "2026-05-27" for an instant, as the day falls in Shanghai.
export function dayKey(iso) {
  return formatter("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));
}

export function todayKey() {
  return dayKey(new Date().toISOString());
}

const pad = (n) => String(n).padStart(2, "0");

// The first instant of a month (month 1-12; 13 rolls over into the next year).
export function monthStart(year, month) {
  const y = year + Math.floor((month - 1) / 12);
  const m = ((month - 1) % 12 + 12) % 12 + 1;
  return `${y}-${pad(m)}-01T00:00:00${OFFSET}`;
}

// The weeks of a month, Monday first: each cell a day key or null outside the month.
export function monthWeeks(year, month) {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay(); // 0 = Sunday
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const lead = (first + 6) % 7;
  const cells = [...Array(lead).fill(null)];
  for (let d = 1; d <= days; d += 1) cells.push(`${year}-${pad(month)}-${pad(d)}`);
  while (cells.length % 7) cells.push(null);
  const weeks = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

// <input type="datetime-local"> works in the browser's zone; ours is Shanghai's, always.
export function toLocalInput(iso) {
  if (!iso) return "";
  const parts = Object.fromEntries(
    formatter("en-CA", {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  const hour = parts.hour === "24" ? "00" : parts.hour;
  return `${parts.year}-${parts.month}-${parts.day}T${hour}:${parts.minute}`;
}

export function fromLocalInput(value) {
  return value ? `${value}:00${OFFSET}` : null;
}

// A time of day ("14:30") on the day an activity starts, as an instant.
export function onDayOf(iso, time) {
  return time ? `${dayKey(iso)}T${time}:00${OFFSET}` : null;
}
