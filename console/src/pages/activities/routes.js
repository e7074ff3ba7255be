// The activities' pages: the calendar, planning one, and one activity with its roster.
import ActivityPage from "./ActivityPage.vue";
import CalendarPage from "./CalendarPage.vue";
import NewActivityPage from "./NewActivityPage.vue";

export default [
  { path: "/activities", name: "activities", component: CalendarPage },
  { path: "/activities/new", name: "activity-new", component: NewActivityPage },
  { path: "/activities/:id", name: "activity", component: ActivityPage },
];
