/* Drafts that save as the inspector types (a static file: the Content-Security-Policy forbids
   inline script; no framework).

   The result form (form[data-draft-url]) is sent to its JSON endpoint a moment after each
   change, with the revision the page holds. Every change is first kept in localStorage, so
   that with no connection nothing is lost: the draft is sent when the connection returns (or
   when the page is next opened). The state is shown in .draft-state:
     已保存 HH:MM:SS · 未联网，已存本机 · 冲突：who saved when (HTTP 409: nothing is overwritten)
   A draft kept in this browser against an older revision than the server's is never sent by
   itself: the inspector chooses to load it (and then save over) or to discard it. */
(function () {
  "use strict";

  var DELAY = 800; /* ms after the last keystroke */
  var RETRY = 5000; /* ms between attempts while offline */

  function readStored(key) {
    try {
      var text = window.localStorage.getItem(key);
      return text ? JSON.parse(text) : null;
    } catch (e) {
      return null;
    }
  }

  function setup(form) {
    var url = form.getAttribute("data-draft-url");
    var key = form.getAttribute("data-draft-key");
    var revision = form.querySelector("input[name=revision]");
    var state = form.querySelector(".draft-state");
    var actions = form.querySelector(".draft-actions");
    var timer = null;
    var retry = null;
    var sending = false;
    var dirty = false;
    var conflict = false;
    var pendingSubmit = null;
    var lastSaved = null; /* the fields as the server holds them (JSON), when known */

    function show(name, text) {
      state.setAttribute("data-state", name);
      form.setAttribute("data-draft-state", name);
      state.textContent = text;
    }

    function pairs() {
      var out = [];
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken" && name !== "revision" && typeof value === "string") {
          out.push([name, value]);
        }
      });
      return out;
    }

    function keep() {
      try {
        window.localStorage.setItem(
          key,
          JSON.stringify({ revision: revision.value, fields: pairs(), at: new Date().toISOString() })
        );
        return true;
      } catch (e) {
        return false; /* storage full or disabled: the server copy is all there is */
      }
    }

    function forget() {
      try {
        window.localStorage.removeItem(key);
      } catch (e) {
        /* nothing kept */
      }
    }

    function restore(fields) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "revision") return;
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = fields.some(function (p) {
            return p[0] === el.name && p[1] === el.value;
          });
        } else if (el.type !== "submit" && el.type !== "button" && el.type !== "file") {
          var found = fields.filter(function (p) {
            return p[0] === el.name;
          });
          el.value = found.length ? found[0][1] : "";
        }
      });
    }

    function offline() {
      show("offline", "未联网，已存本机（联网后自动发送）");
      if (!retry) retry = window.setInterval(flush, RETRY);
    }

    function online() {
      if (retry) {
        window.clearInterval(retry);
        retry = null;
      }
    }

    function answered(status, body) {
      sending = false;
      online();
      if (status === 200 && body && body.state === "saved") {
        revision.value = String(body.revision);
        if (dirty) {
          keep();
          schedule();
        } else {
          forget();
          show("saved", "已保存 " + body.saved_at_label);
        }
      } else if (status === 409 && body) {
        conflict = true;
        keep();
        show("conflict", "冲突：" + body.message);
        offerChoice();
      } else if (body && body.errors) {
        show("invalid", "未保存：" + body.errors.join("；"));
      } else {
        show("error", "未保存（服务器答复 " + status + "），已存本机；请刷新页面或重新登录");
      }
      if (pendingSubmit && status === 200) {
        var submitter = pendingSubmit;
        pendingSubmit = null;
        form.requestSubmit(submitter);
      }
      pendingSubmit = null;
    }

    function send() {
      sending = true;
      dirty = false;
      show("saving", "正在保存…");
      var snapshot = JSON.stringify(pairs());
      var body = new URLSearchParams(new FormData(form));
      window
        .fetch(url, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          redirect: "manual",
        })
        .then(
          function (response) {
            return response.json().then(
              function (json) {
                if (response.status === 200) lastSaved = snapshot;
                answered(response.status, json);
              },
              function () {
                answered(response.status || 0, null);
              }
            );
          },
          function () {
            /* no connection (or the server is unreachable): keep it here, try again */
            sending = false;
            dirty = true;
            offline();
          }
        );
    }

    function flush() {
      if (sending || conflict) return;
      if (!dirty && !readStored(key)) return;
      if (navigator.onLine === false) {
        offline();
        return;
      }
      send();
    }

    function schedule() {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        timer = null;
        flush();
      }, DELAY);
    }

    function changed(event) {
      if (event.target && event.target.type === "file") return;
      /* a "change" fired on leaving a field already saved is not a change */
      if (!dirty && !sending && JSON.stringify(pairs()) === lastSaved) return;
      dirty = true;
      keep();
      if (conflict) return;
      if (navigator.onLine === false) {
        offline();
        return;
      }
      show("pending", "有修改，即将保存…");
      schedule();
    }

    function button(text, onClick) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = text;
      b.addEventListener("click", onClick);
      actions.appendChild(b);
    }

    function offerChoice() {
      actions.textContent = "";
      button("刷新页面查看对方的修改（本机草稿保留）", function () {
        window.location.reload();
      });
    }

    function offerStale(saved) {
      conflict = true;
      show(
        "conflict",
        "冲突：本机有未发送的草稿（基于第" +
          saved.revision +
          "次保存），但服务器上的结果已被修改（现为第" +
          revision.value +
          "次）。"
      );
      actions.textContent = "";
      button("载入本机草稿（确认后将覆盖服务器上的版本）", function () {
        restore(saved.fields);
        conflict = false;
        dirty = true;
        actions.textContent = "";
        keep();
        flush();
      });
      button("放弃本机草稿", function () {
        forget();
        conflict = false;
        actions.textContent = "";
        show("saved", "已放弃本机草稿");
      });
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) {
      if (navigator.onLine === false) {
        event.preventDefault();
        keep();
        show("offline", "未联网，不能提交；草稿已存本机，联网后再提交");
        return;
      }
      if (timer) {
        window.clearTimeout(timer);
        timer = null;
      }
      if (sending) {
        /* an autosave is on its way: submit with the revision it brings back */
        event.preventDefault();
        pendingSubmit = event.submitter || null;
        return;
      }
      forget(); /* the form itself carries everything now */
    });
    window.addEventListener("online", flush);
    window.addEventListener("offline", function () {
      if (dirty) offline();
    });

    lastSaved = JSON.stringify(pairs());
    var saved = readStored(key);
    if (saved && saved.fields && JSON.stringify(saved.fields) === lastSaved) {
      /* the server already holds exactly this (its answer was lost on leaving the page) */
      forget();
    } else if (saved && saved.fields) {
      if (String(saved.revision) === revision.value) {
        restore(saved.fields);
        dirty = true;
        show("pending", "本机有未发送的草稿，正在发送…");
        flush();
      } else {
        offerStale(saved);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-draft-url]").forEach(setup);
  });
})();
