// The incident room's live behaviour, on top of htmx and its SSE extension. The room reads
// fine without it; this only keeps the live view exact and never wipes what someone types.
(function () {
  "use strict";

  // Each timeline entry arrives once: a reconnect may resend one already on the page. The
  // stream's URL follows the last entry received, so a stream the extension has to open
  // anew (not the browser's own reconnect, which sends Last-Event-ID) resumes from there.
  document.addEventListener("htmx:sseBeforeMessage", function (evt) {
    var msg = evt.detail;
    if (!msg || msg.type !== "entry" || !msg.lastEventId) { return; }
    var room = document.querySelector("[data-live-url][sse-connect]");
    if (room) {
      room.setAttribute("sse-connect", room.getAttribute("data-live-url") + "?after=" + msg.lastEventId);
    }
    if (document.getElementById("entry-" + msg.lastEventId)) { evt.preventDefault(); }
  });

  // A section marked data-keep-typing is not refreshed while someone is writing in it.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-keep-typing")) { return; }
    var busy = Array.prototype.some.call(elt.querySelectorAll("textarea, input"), function (f) {
      return f === document.activeElement || (f.type !== "hidden" && f.value !== f.defaultValue);
    });
    if (busy) { evt.preventDefault(); }
  });

  // A refused form comes back with its error (422, 403, 409): show it in place.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr.status;
    if ((status === 403 || status === 409 || status === 422) && evt.detail.elt.closest(".room")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
})();
