// graphgrad playground: the expression box, a field per variable, the drawing (redrawn as
// you type, one request at a time, the newest wins) and the stepper (the player page of
// export_html, in a frame).  The page's state is its address: /?expr=...&x=1&labels=...
// Text from the learner or the server is only ever set with textContent; the one HTML
// inserted is the drawing's SVG, which Graphviz wrote with every label escaped.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("config").textContent);
  var W = config.words;
  var RESERVED = { expr: 1, labels: 1, lang: 1, collapse: 1 };
  var DEFAULT = { expr: "sigmoid(x*w + b)", values: { x: "1", w: "2", b: "-1" } };
  var DRAW_DELAY = 180, STEPS_DELAY = 650;
  var $ = function (id) { return document.getElementById(id); };
  var box = $("expr"), fields = $("fields"), drawing = $("drawing"), local = $("local"),
      player = $("player"), status = $("status");

  var values = {};      // name -> text typed (kept when a variable goes, for when it returns)
  var order = [];       // the variables of the expression drawn last, in order
  var nodes = {};       // SVG id of a drawn node -> its local derivative
  var drawTimer = null, stepsTimer = null, busy = false, again = false, stepsShown = null;

  // ------------------------------------------------------------------ the state

  function labels() {
    var picked = document.querySelector("input[name=labels]:checked");
    return picked ? picked.value : "numbers";
  }

  // the state; for the address only the variables drawn last, for a request every value
  // whose name the expression mentions (a variable typed just now has one by then)
  function query(lang, asked) {
    var p = new URLSearchParams();
    p.set("expr", box.value);
    var words = {};
    (box.value.match(/[^\s\d()+\-*\/@,.][^\s()+\-*\/@,.]*/g) || []).forEach(function (w) {
      words[w] = 1;
    });
    var names = asked ? Object.keys(values).filter(function (n) {
      return words[n] && order.indexOf(n) < 0;
    }) : [];
    order.concat(names).forEach(function (name) {
      if (values[name] !== undefined && !RESERVED[name]) { p.set(name, values[name]); }
    });
    if (labels() !== "numbers") { p.set("labels", labels()); }
    if ($("collapse").checked) { p.set("collapse", "1"); }
    p.set("lang", lang || config.lang);
    return p.toString();
  }

  function readAddress() {
    var p = new URLSearchParams(location.search);
    if (!p.has("expr")) {
      box.value = DEFAULT.expr;
      Object.keys(DEFAULT.values).forEach(function (k) { values[k] = DEFAULT.values[k]; });
      return;
    }
    box.value = p.get("expr");
    p.forEach(function (v, k) {
      if (!RESERVED[k] && values[k] === undefined) { values[k] = v; }
    });
    var wanted = document.querySelector("input[name=labels][value='" +
      (["numbers", "symbols", "both"].indexOf(p.get("labels")) >= 0 ?
        p.get("labels") : "numbers") + "']");
    wanted.checked = true;
    $("collapse").checked = ["1", "all", "true"].indexOf(p.get("collapse")) >= 0;
  }

  function writeAddress() {
    var q = query();
    try { history.replaceState(null, "", "/?" + q); } catch (e) { /* not served */ }
    $("link").value = location.href;
    $("lang-en").href = "/?" + query("en");
    $("lang-ja").href = "/?" + query("ja");
    $("dl-svg").href = "/download/graph.svg?" + q;
    $("dl-png").href = "/download/graph.png?" + q;
    $("dl-steps").href = "/download/steps.html?" + q;
  }

  // ------------------------------------------------------------------ the fields

  function shapeText(v) {
    var parts = v.split(";");
    if (parts.length > 1) {
      return W.matrix.replace("{r}", parts.length).replace("{c}", parts[0].split(",").length);
    }
    var n = v.split(",").length;
    return n > 1 ? W.vector.replace("{n}", n) : W.number;
  }

  function field(v) {
    var row = document.createElement("div");
    row.className = "field";
    row.setAttribute("data-name", v.name);
    var label = document.createElement("label");
    var input = document.createElement("input");
    input.type = "text";
    input.spellcheck = false;
    input.autocomplete = "off";
    input.maxLength = 2000;
    input.id = "value-" + order.length + "-" + Math.random().toString(36).slice(2, 8);
    input.setAttribute("data-name", v.name);
    label.htmlFor = input.id;
    label.textContent = v.name + " =";
    var hint = document.createElement("span");
    hint.className = "hint";
    row.appendChild(label);
    row.appendChild(input);
    row.appendChild(hint);
    input.addEventListener("input", function () {
      values[v.name] = input.value;
      hint.textContent = describe(v, input.value);
      schedule(DRAW_DELAY);
    });
    return row;
  }

  function describe(v, text) {
    return v.labels ? W.labels_of : shapeText(text);
  }

  // one field per variable, in the expression's order; a field keeps what was typed
  function syncFields(variables, ok) {
    if (!variables || (!variables.length && !ok)) {
      return;  // the expression does not parse (yet): keep the fields as they are
    }
    var old = {};
    Array.prototype.forEach.call(fields.children, function (row) {
      old[row.getAttribute("data-name")] = row;
    });
    order = [];
    variables.forEach(function (v) {
      if (values[v.name] === undefined) { values[v.name] = v.value; }
      var row = old[v.name] || field(v);
      delete old[v.name];
      var input = row.querySelector("input");
      if (input !== document.activeElement && input.value !== values[v.name]) {
        input.value = values[v.name];
      }
      row.querySelector(".hint").textContent = describe(v, values[v.name]);
      fields.appendChild(row);  // moves it into the expression's order
      order.push(v.name);
    });
    Object.keys(old).forEach(function (name) { fields.removeChild(old[name]); });
  }

  // ------------------------------------------------------------------ drawing

  function schedule(delay) {
    clearTimeout(drawTimer);
    drawTimer = setTimeout(request, delay);
  }

  function request() {
    if (busy) { again = true; return; }
    busy = true;
    again = false;
    status.textContent = W.drawing;
    document.body.classList.add("busy");
    fetch("/api/draw?" + query(null, true), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(show, function () { showError({ message: W.offline, where: "" }); })
      .then(function () {
        busy = false;
        document.body.classList.remove("busy");
        if (again) { request(); }
      });
  }

  function printable(text) {
    // control and direction characters would garble the line and move the caret
    return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
                        "\ufffd");
  }

  function showError(error) {
    $("error").hidden = false;
    $("error-lead").textContent = W.cannot;
    $("error-message").textContent = error.message;
    var where = "";
    if (error.text) {
      var chars = Array.from(printable(error.text));
      var at = Math.min(error.offset, chars.length);
      var start = Math.max(0, at - 60);
      where = chars.slice(start, start + 100).join("") + "\n" +
        new Array(at - start + 1).join(" ") + "^";
    }
    $("error-where").textContent = where;
    Array.prototype.forEach.call(fields.querySelectorAll("input"), function (input) {
      input.setAttribute("aria-invalid", String(input.getAttribute("data-name") === error.where));
    });
    box.setAttribute("aria-invalid", String(error.where === "expr"));
    status.textContent = "";
    drawing.classList.add("stale");
  }

  function show(p) {
    syncFields(p.variables, p.ok);
    writeAddress();
    if (!p.ok) { showError(p.error); return; }
    $("error").hidden = true;
    box.setAttribute("aria-invalid", "false");
    Array.prototype.forEach.call(fields.querySelectorAll("input"), function (input) {
      input.setAttribute("aria-invalid", "false");
    });
    status.textContent = p.form === "arrays" ? W.arrays :
      (order.some(function (n) { return /[,;]/.test(values[n] || ""); }) ? W.elements : "");
    $("note").hidden = !p.note;
    $("note").textContent = p.note || "";
    $("result").textContent = p.result.join("\n");
    drawing.classList.remove("stale");
    drawing.innerHTML = p.svg;
    nodes = p.nodes || {};
    zoom.fit();
    local.textContent = W.click;
    local.className = "";
    document.title = W.title + ": " + box.value;
    scheduleSteps(p.steppable);
  }

  // the whole drawing fitted to its box, never above dot's size (a small graph is not
  // blown up), or zoomed in with − / fit / + (zoom.js, the stepper's own): the box then
  // scrolls.  The zoom is kept from one drawing to the next (the fit stays the fit).
  var zoom = ggZoom(drawing, 1);

  // ------------------------------------------------------------------ a node's derivative

  function cell(row, text, tag) {
    var c = document.createElement(tag || "td");
    c.textContent = text;
    row.appendChild(c);
    return c;
  }

  function showLocal(id) {
    var info = nodes[id];
    drawing.querySelectorAll("g.node.picked").forEach(function (g) {
      g.classList.remove("picked");
    });
    if (!info) { return; }
    $(id).classList.add("picked");
    local.textContent = "";
    local.className = "shown";
    var h = document.createElement("h3");
    h.textContent = info.title + " — " + W.local;
    local.appendChild(h);
    if (info.formula) {
      var f = document.createElement("p");
      f.className = "formula";
      f.textContent = info.formula;
      local.appendChild(f);
    }
    var up = document.createElement("p");
    up.textContent = W.upstream + ": " + info.upstream;
    local.appendChild(up);
    var table = document.createElement("table");
    var head = document.createElement("tr");
    ["", W.value, W.local, W.sent].forEach(function (t) { cell(head, t, "th"); });
    table.appendChild(head);
    info.inputs.forEach(function (input, k) {
      var row = document.createElement("tr");
      cell(row, input.name || W.input.replace("{k}", k + 1), "th");
      cell(row, input.value);
      cell(row, input.local).className = "num";
      cell(row, input.sent).className = "num sent";
      table.appendChild(row);
    });
    local.appendChild(table);
  }

  drawing.addEventListener("click", function (e) {
    var g = e.target.closest ? e.target.closest("g.node") : null;
    if (g) { showLocal(g.id); }
  });

  // ------------------------------------------------------------------ the stepper

  function scheduleSteps(steppable) {
    clearTimeout(stepsTimer);
    stepsTimer = setTimeout(function () {
      var q = query();
      $("stepper").classList.toggle("empty", !steppable);
      if (!steppable) {
        $("stepper").querySelector(".keys").textContent = W.nosteps;
        return;
      }
      if (q !== stepsShown) {
        stepsShown = q;
        player.src = "/steps?" + q;
      }
    }, STEPS_DELAY);
  }

  function playerDoc() {
    try { return player.contentDocument; } catch (e) { return null; }
  }

  function sizePlayer() {
    var doc = playerDoc();
    if (doc && doc.body) { player.style.height = (doc.body.scrollHeight + 4) + "px"; }
  }

  player.addEventListener("load", function () {
    var doc = playerDoc();
    sizePlayer();
    if (doc && doc.body && player.contentWindow.ResizeObserver) {
      new player.contentWindow.ResizeObserver(sizePlayer).observe(doc.body);
    }
  });

  // the arrows step the player; + / − / 0 zoom the drawing (as in the player)
  var KEYS = { ArrowLeft: "prev", ArrowRight: "next", Home: "first", End: "last" };
  var ZOOM_KEYS = { "+": 1, "=": 1, "-": -1, "0": 0 };
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (!KEYS[e.key] && ZOOM_KEYS[e.key] === undefined) { return; }
    var tag = e.target && e.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") { return; }
    if (ZOOM_KEYS[e.key] !== undefined) {
      e.preventDefault();
      zoom.rezoom(ZOOM_KEYS[e.key]);
      return;
    }
    var doc = playerDoc();
    var button = doc && doc.getElementById(KEYS[e.key]);
    if (!button) { return; }
    e.preventDefault();
    if (!button.disabled) { button.click(); }
  });

  // ------------------------------------------------------------------ the controls

  config.examples.forEach(function (ex) {
    var o = document.createElement("option");
    o.value = ex.key;
    o.textContent = ex.title;
    $("examples").appendChild(o);
  });
  $("examples").addEventListener("change", function () {
    var ex = config.examples.filter(function (x) { return x.key === this.value; }, this)[0];
    if (!ex) { return; }
    box.value = ex.expr;
    Object.keys(ex.values).forEach(function (k) { values[k] = ex.values[k]; });
    fields.textContent = "";
    order = [];
    document.querySelector("input[name=labels][value='" + ex.labels + "']").checked = true;
    $("collapse").checked = ex.collapse;
    this.value = "";
    schedule(0);
  });
  box.addEventListener("input", function () { schedule(DRAW_DELAY); });
  document.querySelectorAll("input[name=labels]").forEach(function (r) {
    r.addEventListener("change", function () { schedule(0); });
  });
  $("collapse").addEventListener("change", function () { schedule(0); });
  $("copy").addEventListener("click", function () {
    var done = function () { status.textContent = W.copied; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(location.href).then(done, function () {
        $("link").select();
      });
    } else {
      $("link").select();
    }
  });
  window.addEventListener("resize", zoom.fit);

  $("lang-" + config.lang).setAttribute("aria-current", "page");
  readAddress();
  request();
})();
