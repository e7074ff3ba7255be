// The signed-in reader's unread count, shared by the header's badge and the inbox (which
// refreshes it after marking). `text` is "999+" when the service caps the count.
import { reactive } from "vue";

import { api } from "../../api.js";
import { signedIn } from "../../session.js";

export const unread = reactive({ count: 0, capped: false, text: "" });

export async function refreshUnread() {
  if (!signedIn.value) return;
  try {
    const answer = await api("/api/v1/notifications/unread-count");
    unread.count = answer.unread;
    unread.capped = Boolean(answer.capped);
    unread.text = answer.capped || answer.unread > 999 ? "999+" : String(answer.unread);
  } catch {
    // the badge keeps its last number; the inbox page shows errors
  }
}
