// Muster's own script. Pages work without it; it only keeps what people type.
//
// Drafts: every text field of a <form data-draft="NAME"> is saved to localStorage as it is
// typed, and put back when the page loads again: after a session expired and the person
// signed in again, after a CSRF refusal, after a crash of the browser tab. A draft is
// dropped once its form was sent and accepted: the next page shows no error and is not the
// sign-in page, or an htmx request from the form succeeded.
(function () {
  "use strict";
  var PREFIX = "muster-draft:";
  var PENDING = "muster-draft-pending";
  var store = window.localStorage;

  function keyOf(form) {
    return PREFIX + location.pathname + ":" + form.getAttribute("data-draft");
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      var type = (el.getAttribute("type") || "text").toLowerCase();
      return el.name && el.name !== "csrf" &&
        (el.tagName === "TEXTAREA" ||
          (el.tagName === "INPUT" && ["text", "search", "url", "email", "tel"].indexOf(type) >= 0));
    });
  }

  function save(form) {
    var data = {};
    fields(form).forEach(function (el) { data[el.name] = el.value; });
    try { store.setItem(keyOf(form), JSON.stringify(data)); } catch (e) { /* full or off */ }
  }

  function restore(form) {
    var saved;
    try { saved = JSON.parse(store.getItem(keyOf(form)) || "null"); } catch (e) { saved = null; }
    if (!saved) { return; }
    fields(form).forEach(function (el) {
      if (typeof saved[el.name] === "string" && saved[el.name] && !el.value) {
        el.value = saved[el.name];
      }
    });
  }

  function clear(key) {
    try { store.removeItem(key); } catch (e) { /* ignore */ }
  }

  function settlePending() {
    var pending = window.sessionStorage.getItem(PENDING);
    if (!pending) { return; }
    var refused = document.querySelector("[data-keep-drafts], .error, [role=alert]");
    if (!refused) { clear(pending); }
    window.sessionStorage.removeItem(PENDING);
  }

  function watch(form) {
    if (form.getAttribute("data-draft-watched")) { return; }
    form.setAttribute("data-draft-watched", "1");
    restore(form);
    form.addEventListener("input", function () { save(form); });
    form.addEventListener("submit", function () {
      save(form);
      window.sessionStorage.setItem(PENDING, keyOf(form));
    });
  }

  function scan(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-draft]"), watch);
  }

  document.addEventListener("DOMContentLoaded", function () {
    settlePending();
    scan(document);
  });
  // Forms that arrive in htmx swaps; a successful htmx post ends its draft.
  document.addEventListener("htmx:load", function (e) { scan(e.target); });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail && e.detail.elt && e.detail.elt.closest &&
      e.detail.elt.closest("form[data-draft]");
    if (form && e.detail.successful) {
      clear(keyOf(form));
      window.sessionStorage.removeItem(PENDING);
    }
  });
})();
