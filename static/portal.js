// Dialogs (Add Account), copy buttons, live progress bars and self-refreshing pages.
// Every page works without it, only less live.
(function () {
  "use strict";

  function setUpDialogs() {
    document.querySelectorAll("[data-open-dialog]").forEach(function (button) {
      button.addEventListener("click", function () {
        var dialog = document.getElementById(button.getAttribute("data-open-dialog"));
        if (dialog) dialog.showModal();
      });
    });
    document.querySelectorAll("[data-close-dialog]").forEach(function (button) {
      button.addEventListener("click", function () { button.closest("dialog").close(); });
    });
    document.querySelectorAll("dialog[data-open-on-load]").forEach(function (dialog) { dialog.showModal(); });
  }

  function setFetchButtons(connectionId, busy) {
    document.querySelectorAll('form[action$="/connections/' + connectionId + '/fetch/"] button').forEach(function (b) {
      b.disabled = busy;
      b.textContent = busy ? "Fetching…" : "Fetch Orders";
    });
  }

  // The bar's width is set here from aria-valuenow, not by a style attribute the CSP would refuse.
  function drawBar(bar) {
    bar.querySelector("span").style.width = (Number(bar.getAttribute("aria-valuenow")) || 0) + "%";
  }

  function render(box, data) {
    var run = data.run;
    if (data.connection) {
      document.querySelectorAll('[data-connection-status="' + data.connection.id + '"]').forEach(function (badge) {
        badge.textContent = data.connection.status_label;
        badge.className = "status status-" + data.connection.status;
      });
    }
    if (!run) return;
    var bar = box.querySelector(".bar");
    if (bar) {
      if (run.percent === null) bar.removeAttribute("aria-valuenow");
      else bar.setAttribute("aria-valuenow", run.percent);
      drawBar(bar);
    }
    var status = box.querySelector(".run-status");
    if (status) status.textContent = run.status_label;
    var counts = box.querySelector(".run-counts");
    if (counts) {
      counts.textContent = run.orders_seen + (run.total_expected ? " of " + run.total_expected : "") +
        " orders read, " + run.created + " new, " + run.updated + " updated, " + run.unchanged +
        " unchanged, " + run.skipped + " not imported";
    }
    var lost = box.querySelector(".run-lost");
    if (lost) { lost.textContent = run.lost || ""; lost.hidden = !run.lost; }
    var error = box.querySelector(".run-error");
    if (error) { error.textContent = run.error || ""; error.hidden = !run.error; }
    box.dataset.runStatus = run.status;
  }

  function poll(box) {
    fetch(box.dataset.progressUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (box.dataset.awaiting) {
          // The first download starts by itself: once its run exists, the page says so in the server's words.
          if (data.run) window.location.reload();
          else setTimeout(function () { poll(box); }, 3000);
          return;
        }
        render(box, data);
        if (data.connection) setFetchButtons(data.connection.id, Boolean(data.run && data.run.active));
        if (data.run && data.run.active) {
          setTimeout(function () { poll(box); }, 1000);
        } else {
          // Finished: reload once so counts, statuses and messages are the server's own.
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(function () { poll(box); }, 5000); });
  }

  // Wizard: show a platform's credential fields only when it is chosen, and the parts
  // of a step that belong to a choice (data-show-when="field=value"); on an order page,
  // an item's replacement fields only when it is marked replaced.
  function setUpChoices() {
    function selected(name) {
      var checked = document.querySelector('[name="' + name + '"]:checked');
      if (checked) return checked.value;
      var select = document.querySelector('select[name="' + name + '"]');
      return select ? select.value : null;
    }
    function refresh() {
      var platform = selected("platform");
      document.querySelectorAll("[data-platform-group]").forEach(function (group) {
        group.hidden = platform !== null && group.dataset.platformGroup !== platform;
      });
      document.querySelectorAll("[data-show-when]").forEach(function (part) {
        var rule = part.dataset.showWhen.split("=");
        part.hidden = selected(rule[0]) !== rule[1];
      });
    }
    document.querySelectorAll(".wizard-form input, .wizard-form select, .picking-form select").forEach(function (input) {
      input.addEventListener("change", refresh);
    });
    refresh();
  }

  // Copy buttons (data-copy="<id of the value>"): shown only where the clipboard can be written,
  // and "Copied" is said to screen readers through one polite live region (no role="status": that is the
  // flash message's, the answer to the last action).
  function setUpCopyButtons() {
    var buttons = document.querySelectorAll("button[data-copy]");
    if (!buttons.length || !navigator.clipboard || !window.isSecureContext) return;
    var said = document.createElement("p");
    said.className = "visually-hidden";
    said.setAttribute("aria-live", "polite");
    document.body.appendChild(said);
    buttons.forEach(function (button) {
      var value = document.getElementById(button.dataset.copy);
      if (!value) return;
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(value.textContent.trim()).then(function () {
          button.textContent = "Copied";
          said.textContent = "Copied the " + button.getAttribute("aria-label").replace(/^Copy the /, "") + ".";
          setTimeout(function () { button.textContent = label; }, 2000);
        }, function () {
          said.textContent = "Could not copy: select the value and copy it yourself.";
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpDialogs();
    setUpCopyButtons();
    setUpChoices();
    document.querySelectorAll(".progress .bar").forEach(drawBar);
    document.querySelectorAll(".progress[data-active], .progress[data-awaiting]").forEach(function (box) {
      setTimeout(function () { poll(box); }, 500);
    });
    // A page showing work in progress (an order being sent to its platform) refreshes itself.
    var reload = document.querySelector("[data-reload-after]");
    if (reload) setTimeout(function () { window.location.reload(); }, Number(reload.dataset.reloadAfter));
  });
})();
