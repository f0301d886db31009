// The case page's uploading and the preview's zoom. Without this script
// the upload form is a plain form (a file input, several files, per
// material) and the preview shows the image at the page's width.
(function () {
  "use strict";

  var mb = function (n) {
    return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1024)) + " KB";
  };

  // guess picks the material a file's name speaks of (its catalogue
  // name or code), else the one the page offers first.
  var guess = function (choices, filename) {
    var lower = filename.toLowerCase();
    for (var i = 0; i < choices.options.length; i++) {
      var o = choices.options[i];
      var name = o.textContent.replace(/（.*）$/, "");
      if ((name && filename.indexOf(name) >= 0) || lower.indexOf(o.value.toLowerCase()) >= 0) {
        return o.value;
      }
    }
    return choices.value;
  };

  var setupUpload = function (form) {
    var choices = document.getElementById("upload-choices");
    var zone = document.getElementById("dropzone");
    var pick = document.getElementById("upload-pick");
    var queue = document.getElementById("upload-queue");
    var actions = document.getElementById("upload-actions");
    var start = document.getElementById("upload-start");
    var summary = document.getElementById("upload-summary");
    var csrf = form.querySelector("input[name=csrf]").value;
    document.getElementById("upload-slots").classList.add("hidden");
    document.getElementById("upload-submit").classList.add("hidden");
    zone.classList.remove("hidden");
    var rows = [];
    var sending = false;

    var count = function () {
      var n = { queued: 0, done: 0, failed: 0 };
      rows.forEach(function (r) {
        if (r.state === "done") { n.done++; } else if (r.state === "failed") { n.failed++; } else { n.queued++; }
      });
      summary.textContent = "已上传 " + n.done + " 个" + (n.failed ? "，失败 " + n.failed + " 个" : "") + (n.queued ? "，待上传 " + n.queued + " 个" : "");
      start.disabled = sending || !rows.some(function (r) { return r.state === "queued"; });
    };

    var setState = function (r, state, text) {
      r.state = state;
      r.el.setAttribute("data-state", state);
      r.status.textContent = text;
      r.retry.classList.toggle("hidden", state !== "failed");
      r.remove.classList.toggle("hidden", state === "sending" || state === "done");
      r.select.disabled = state === "sending" || state === "done";
      count();
    };

    // refreshMaterials replaces the page's list of materials with the
    // server's, so what was kept shows with its thumbnail.
    var refreshMaterials = function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", location.pathname);
      xhr.responseType = "document";
      xhr.onload = function () {
        var fresh = xhr.response && xhr.response.getElementById("materials");
        var old = document.getElementById("materials");
        if (xhr.status === 200 && fresh && old) {
          old.replaceWith(document.importNode(fresh, true));
        }
      };
      xhr.send();
    };

    var finished = function (r, xhr) {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      var res = answer && answer.results && answer.results[0];
      if (xhr.status === 200 && res && !res.error) {
        r.progress.value = 100;
        setState(r, "done", "已上传");
        var m = res.material;
        var base = form.getAttribute("action") + "/" + encodeURIComponent(m.id);
        if (/^(application\/pdf|image\/(jpeg|png|tiff))$/.test(m.content_type)) {
          var a = document.createElement("a");
          a.href = base + "/view";
          a.className = "upload-thumb";
          var img = document.createElement("img");
          img.src = base + "/thumb";
          img.alt = m.filename + " 的缩略图";
          a.appendChild(img);
          r.el.replaceChild(a, r.thumb);
          r.thumb = a;
        }
        refreshMaterials();
      } else if (res && res.error) {
        setState(r, "failed", res.error);
      } else if (xhr.status === 401 || xhr.status === 403) {
        setState(r, "failed", "登录已过期或表单已失效，请刷新页面后重试（HTTP " + xhr.status + "）。");
      } else {
        setState(r, "failed", "上传失败（HTTP " + xhr.status + "），请重试。");
      }
    };

    // next sends the first queued file, one request per file, one at a
    // time.
    var next = function () {
      var r = null;
      for (var i = 0; i < rows.length; i++) {
        if (rows[i].state === "queued") { r = rows[i]; break; }
      }
      if (!r) { sending = false; count(); return; }
      sending = true;
      var fd = new FormData();
      fd.append("csrf", csrf);
      fd.append("material", r.select.value);
      fd.append("file", r.file, r.file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action"));
      xhr.setRequestHeader("Accept", "application/json");
      r.progress.value = 0;
      setState(r, "sending", "上传中 0%");
      xhr.upload.onprogress = function (ev) {
        if (ev.lengthComputable) {
          var pct = Math.round(ev.loaded * 100 / ev.total);
          r.progress.value = pct;
          r.el.setAttribute("data-progress-seen", "1");
          r.status.textContent = "上传中 " + pct + "%";
        }
      };
      xhr.onload = function () { finished(r, xhr); next(); };
      xhr.onerror = function () {
        setState(r, "failed", "网络连接中断，文件未上传，请重试。");
        next();
      };
      xhr.send(fd);
    };

    var add = function (files) {
      for (var i = 0; i < files.length; i++) {
        var f = files[i];
        var li = document.createElement("li");
        li.className = "upload-row";
        var r = { file: f, el: li };
        var name = document.createElement("span");
        name.className = "upload-name";
        name.textContent = f.name;
        var size = document.createElement("span");
        size.className = "small hint";
        size.textContent = mb(f.size);
        r.select = choices.cloneNode(true);
        r.select.removeAttribute("id");
        r.select.removeAttribute("aria-hidden");
        r.select.removeAttribute("tabindex");
        r.select.className = "upload-material";
        r.select.setAttribute("aria-label", f.name + " 的材料类别");
        r.select.value = guess(choices, f.name);
        r.progress = document.createElement("progress");
        r.progress.max = 100;
        r.progress.value = 0;
        r.status = document.createElement("span");
        r.status.className = "upload-status";
        r.retry = document.createElement("button");
        r.retry.type = "button";
        r.retry.className = "upload-retry";
        r.retry.textContent = "重试";
        r.remove = document.createElement("button");
        r.remove.type = "button";
        r.remove.className = "upload-remove secondary";
        r.remove.textContent = "移除";
        var head = document.createElement("div");
        head.className = "upload-file";
        head.appendChild(name);
        head.appendChild(size);
        var state = document.createElement("div");
        state.className = "upload-state";
        state.appendChild(r.progress);
        state.appendChild(r.status);
        state.appendChild(r.retry);
        state.appendChild(r.remove);
        r.thumb = document.createElement("span");
        r.thumb.className = "upload-thumb";
        r.thumb.textContent = (f.name.match(/\.([^.]{1,4})$/) || ["", ""])[1].toUpperCase();
        li.appendChild(r.thumb);
        li.appendChild(head);
        li.appendChild(r.select);
        li.appendChild(state);
        (function (r) {
          r.retry.addEventListener("click", function () {
            setState(r, "queued", "等待上传");
            if (!sending) { next(); }
          });
          r.remove.addEventListener("click", function () {
            rows.splice(rows.indexOf(r), 1);
            r.el.remove();
            count();
          });
        })(r);
        rows.push(r);
        queue.appendChild(li);
        setState(r, "queued", "等待上传");
      }
      queue.classList.toggle("hidden", rows.length === 0);
      actions.classList.toggle("hidden", rows.length === 0);
    };

    start.addEventListener("click", function () {
      if (!sending) { next(); }
    });
    pick.addEventListener("change", function () {
      add(pick.files);
      pick.value = "";
    });
    ["dragenter", "dragover"].forEach(function (t) {
      zone.addEventListener(t, function (ev) {
        ev.preventDefault();
        zone.classList.add("dragging");
      });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (ev) {
      ev.preventDefault();
      zone.classList.remove("dragging");
      if (ev.dataTransfer && ev.dataTransfer.files.length) {
        add(ev.dataTransfer.files);
      }
    });
  };

  // setupZoom: a click on the image, the buttons or + − 0 on the keyboard
  // zoom it; the frame scrolls.
  var setupZoom = function (img) {
    var frame = document.getElementById("zoom-frame");
    var level = document.getElementById("zoom-level");
    var link = document.getElementById("zoom-link");
    var scale = 0; // 0: the frame's width
    var apply = function () {
      if (scale === 0) {
        img.style.width = "";
        img.style.maxWidth = "";
        level.textContent = "适合宽度";
      } else {
        img.style.maxWidth = "none";
        img.style.width = Math.round(img.naturalWidth * scale) + "px";
        level.textContent = Math.round(scale * 100) + "%";
      }
      frame.classList.toggle("zoomed", scale !== 0);
    };
    var fitScale = function () { return img.clientWidth / (img.naturalWidth || 1); };
    var zoom = function (how) {
      var s = scale || fitScale();
      if (how === "in") { scale = Math.min(8, s * 1.5); }
      if (how === "out") { scale = Math.max(0.1, s / 1.5); }
      if (how === "fit") { scale = 0; }
      apply();
    };
    document.getElementById("zoom-controls").classList.remove("hidden");
    link.addEventListener("click", function (ev) {
      ev.preventDefault();
      zoom(scale === 0 ? "in" : "fit");
    });
    document.querySelectorAll("[data-zoom]").forEach(function (b) {
      b.addEventListener("click", function () { zoom(b.getAttribute("data-zoom")); });
    });
    frame.addEventListener("keydown", function (ev) {
      var how = { "+": "in", "=": "in", "-": "out", "0": "fit" }[ev.key];
      if (how) { ev.preventDefault(); zoom(how); }
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    if (form && window.FormData && document.getElementById("dropzone")) {
      setupUpload(form);
    }
    var img = document.getElementById("preview-image");
    if (img) {
      setupZoom(img);
    }
  });
})();
