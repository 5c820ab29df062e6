// The session page, live: on each event of the session's stream, fetch the page's main part
// again (debounced) and swap it in, keeping open <details> open and focus where it was.
(function () {
  "use strict";
  var main = document.querySelector("main[data-live-url]");
  if (!main || main.dataset.terminal === "true" || !window.EventSource) {
    return;
  }
  var DEBOUNCE_MS = 250;
  var timer = null;
  var fetching = false;
  var again = false;

  function openDetails() {
    var ids = [];
    main.querySelectorAll("details[open][id]").forEach(function (d) { ids.push(d.id); });
    return ids;
  }

  function swap(html) {
    var opened = openDetails();
    var focused = document.activeElement && document.activeElement.id;
    main.innerHTML = html;
    opened.forEach(function (id) {
      var d = document.getElementById(id);
      if (d) { d.open = true; }
    });
    if (focused) {
      var f = document.getElementById(focused);
      if (f) { f.focus(); }
    }
  }

  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(main.dataset.liveUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected || !response.ok) { window.location.reload(); return null; }
        return response.text();
      })
      .then(function (html) { if (html !== null) { swap(html); } })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        fetching = false;
        if (again) { again = false; refresh(); }
      });
  }

  function soon() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; refresh(); }, DEBOUNCE_MS);
  }

  var names = ["snapshot", "session_created", "session_updated", "interaction_started",
    "interaction_finished", "child_finished"];
  var stream = new EventSource(main.dataset.eventsUrl);
  names.forEach(function (name) { stream.addEventListener(name, soon); });
  stream.addEventListener("session_finished", function () {
    stream.close();
    main.dataset.terminal = "true";
    refresh();
  });
})();
