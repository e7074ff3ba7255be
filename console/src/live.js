// Live updates from the gateway's event stream (GET /api/v1/events/stream, Server-Sent
// Events). EventSource cannot send a token, so fetch-event-source reads the stream with the
// Authorization header; it reconnects by itself with Last-Event-ID.
//
//   useLiveEvents({ types: ["cn.redvest.requests.request.created.v1"], community: "quanyun" },
//                 (type, event) => reload())
//
// Only subdistrict and community admins may open the stream (the gateway refuses others):
// for anyone else this does nothing, and pages keep their manual refresh.
import { fetchEventSource } from "@microsoft/fetch-event-source";
import { onBeforeUnmount, onMounted } from "vue";

import { hasRole, session } from "./session.js";

class Fatal extends Error {}

export function useLiveEvents({ types = [], community = null } = {}, onEvent) {
  let controller = null;

  function open() {
    if (!hasRole("subdistrict_admin", "community_admin")) return;
    const communityId = typeof community === "function" ? community() : community;
    if (!communityId && !hasRole("subdistrict_admin")) return;
    controller = new AbortController();
    const url = new URL("/api/v1/events/stream", window.location.origin);
    if (types.length) url.searchParams.set("types", types.join(","));
    if (communityId) url.searchParams.set("community_id", communityId);
    fetchEventSource(url, {
      headers: { Authorization: `Bearer ${session.access}` },
      signal: controller.signal,
      openWhenHidden: true,
      async onopen(resp) {
        if (!resp.ok) throw new Fatal(`live feed: HTTP ${resp.status}`);
      },
      onmessage(message) {
        if (!message.data || message.event === "end") return;
        try {
          onEvent(message.event, JSON.parse(message.data));
        } catch {
          // a malformed message is skipped; the page still refreshes on the next one
        }
      },
      onerror(error) {
        if (error instanceof Fatal) throw error; // stop: the page keeps manual refresh
        return 2000; // retry after 2 s
      },
    }).catch(() => {});
  }

  onMounted(open);
  onBeforeUnmount(() => controller?.abort());
}
