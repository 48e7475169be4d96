/* Clinic staff console: live queue and live conversation view.
 *
 * Patient text is only ever inserted with textContent (never innerHTML), so a message such as
 * "<script>alert(1)</script>" is shown as text. Polling does not count as activity: after the
 * idle timeout the server answers 401 and the page goes to the sign-in form.
 */
(function () {
  "use strict";

  var POLL_MS = 4000;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function setStatus(text) {
    var status = document.getElementById("poll-status");
    if (status) { status.textContent = text; }
  }

  function getJSON(url) {
    return fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401) {
        var next = encodeURIComponent(window.location.pathname);
        window.location.assign("/console/login?expired=1&next=" + next);
        throw new Error("signed out");
      }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  function poll(url, render) {
    function tick() {
      getJSON(url).then(function (data) {
        render(data);
        setStatus("");
      }).catch(function (err) {
        setStatus("(live updates paused: " + err.message + ")");
      }).then(function () {
        window.setTimeout(tick, POLL_MS);
      });
    }
    window.setTimeout(tick, POLL_MS);
  }

  /* ---------------------------------------------------------------- queue */

  function renderQueue(body, data) {
    var items = data.escalations || [];
    clear(body);
    if (items.length === 0) {
      var row = el("tr", "empty");
      var cell = el("td", null, "No open escalations.");
      cell.colSpan = 7;
      row.appendChild(cell);
      body.appendChild(row);
    }
    var urgent = 0;
    items.forEach(function (e) {
      if (e.priority === "urgent") { urgent += 1; }
      var tr = el("tr", "priority-" + e.priority);
      var idCell = el("td");
      var link = el("a", null, e.id);
      link.href = "/console/escalations/" + encodeURIComponent(e.id);
      idCell.appendChild(link);
      tr.appendChild(idCell);
      var prio = el("td");
      prio.appendChild(el("span", "badge badge-" + e.priority, e.priority));
      if (e.alert) {
        var alert = el("span", "badge badge-alert-" + e.alert_status, e.alert);
        alert.title = e.alert_detail || "";
        prio.appendChild(document.createTextNode(" "));
        prio.appendChild(alert);
      }
      tr.appendChild(prio);
      tr.appendChild(el("td", null, e.status));
      tr.appendChild(el("td", null, (e.reasons || []).join(", ")));
      tr.appendChild(el("td", null, e.channel));
      tr.appendChild(el("td", null, e.created));
      tr.appendChild(el("td", null, e.claimed_by || ""));
      body.appendChild(tr);
    });
    document.title = (urgent ? "(" + urgent + " urgent) " : "") + "Queue · Clinic staff console";
  }

  /* ---------------------------------------------------------------- conversation */

  function speaker(m) {
    if (m.role === "staff") { return m.staff_name || "Staff"; }
    if (m.role === "patient") { return "Patient"; }
    return "Assistant";
  }

  function renderTranscript(list, items) {
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    clear(list);
    if (items.length === 0) { list.appendChild(el("li", "empty", "No messages.")); }
    items.forEach(function (m) {
      var li = el("li", "msg msg-" + m.role);
      li.appendChild(el("span", "who", speaker(m)));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "time", m.time));
      li.appendChild(el("div", "text", m.text));
      if (m.payload) {
        var raw = el("span", "payload", "button title from the patient's app; sent as ");
        raw.appendChild(el("code", null, m.payload));
        li.appendChild(raw);
      }
      if (m.kb_id) { li.appendChild(el("span", "kb", "knowledge base: " + m.kb_id)); }
      list.appendChild(li);
    });
    if (atBottom) { list.scrollTop = list.scrollHeight; }
  }

  function renderNotes(list, notes) {
    clear(list);
    if (notes.length === 0) { list.appendChild(el("li", "empty", "None yet.")); }
    notes.forEach(function (n) {
      var li = el("li", "note note-" + n.kind);
      li.appendChild(el("span", "who", n.author));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "time", n.time));
      var kind = n.kind === "reply" ? (n.delivered === false ? "reply (not delivered)" : "reply") : "note";
      li.appendChild(el("span", "kind", kind));
      li.appendChild(el("div", "text", n.text));
      list.appendChild(li);
    });
  }

  function renderEscalation(list, data) {
    renderTranscript(list, data.transcript || []);
    var note = document.getElementById("snapshot-note");
    if (note) { note.hidden = !!data.live; }
    var esc = data.escalation || {};
    var changed = document.getElementById("status-changed");
    if (changed) {
      changed.hidden = changed.dataset.status === esc.status &&
        changed.dataset.claimedBy === (esc.claimed_by || "");
    }
    var status = document.getElementById("esc-status");
    if (status) { status.textContent = esc.status || ""; }
    var statusText = document.getElementById("esc-status-text");
    if (statusText) {
      statusText.textContent = (esc.status || "") + (esc.claimed_by ? " by " + esc.claimed_by : "");
    }
    var prio = document.getElementById("esc-priority");
    if (prio) {
      prio.textContent = esc.priority || "";
      prio.className = "badge badge-" + (esc.priority || "normal");
    }
    var topics = document.getElementById("kb-topics");
    if (topics) {
      clear(topics);
      var kb = data.kb_topics || [];
      if (kb.length === 0) { topics.appendChild(el("li", "empty", "None")); }
      kb.forEach(function (t) { topics.appendChild(el("li", null, t)); });
    }
    var notes = document.getElementById("notes");
    if (notes) { renderNotes(notes, data.notes || []); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var queue = document.getElementById("queue-body");
    if (queue && queue.dataset.api) {
      poll(queue.dataset.api, function (data) { renderQueue(queue, data); });
    }
    var transcript = document.getElementById("transcript");
    if (transcript && transcript.dataset.api) {
      transcript.scrollTop = transcript.scrollHeight;
      poll(transcript.dataset.api, function (data) { renderEscalation(transcript, data); });
    }
  });
})();
