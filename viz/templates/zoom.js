// A drawing's zoom in its panel, one script for two pages: the stepper page inlines it
// (an exported file needs nothing beside it) and the playground serves it
// (/assets/zoom.js).  The whole drawing is fitted to the panel's width and most of the
// window's height, never above `fitMax` times dot's size; once zoomed in it is `level`
// times dot's size: the first + goes to where the smallest text is READABLE_PX, each next
// one 1.25 times larger, up to MAX_SCALE; the panel then scrolls.  A level, not a factor
// of the fit: resizing the window or drawing anew keeps the text its size, and the fit
// stays the fit.  The buttons are the page's #zoom-out, #zoom-fit and #zoom-in;
// `zoomed` (optional) runs after each change of zoom.
// This text is inlined in a <script> element: it never holds a closing script tag.
function ggZoom(panel, fitMax, zoomed) {
  "use strict";
  var STEP = 1.25, MAX_SCALE = 3, READABLE_PX = 11, PT = 4 / 3;
  var level = null, zoomIn = document.getElementById("zoom-in"),
      zoomOut = document.getElementById("zoom-out");

  // the drawing's size in CSS pixels at dot's scale, and its smallest text's (dot's SVG
  // is in points)
  function measure(svg) {
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal || !svg.viewBox.baseVal.width) {
      return null;
    }
    var box = svg.viewBox.baseVal, smallest = Infinity;
    svg.querySelectorAll("text").forEach(function (t) {
      var size = parseFloat(t.getAttribute("font-size"));
      if (size > 0 && size < smallest) { smallest = size; }
    });
    return {w: box.width * PT, h: box.height * PT,
            text: (isFinite(smallest) ? smallest : 14) * PT};
  }

  // the scales (times dot's size) of the whole drawing in the panel's width and most of
  // the window's height, of the readable text, of the largest zoom, and the current one
  function scales(m) {
    var style = getComputedStyle(panel);
    var room = panel.clientWidth - parseFloat(style.paddingLeft) -
      parseFloat(style.paddingRight);
    var tall = Math.max(200, window.innerHeight * 0.8 - 16);
    var fitted = Math.min(room / m.w, tall / m.h, fitMax);
    var most = Math.max(fitted, MAX_SCALE);
    return {fit: fitted, readable: READABLE_PX / m.text, most: most,
            now: level === null ? fitted : Math.max(fitted, Math.min(level, most))};
  }

  function fit() {
    var svg = panel.querySelector("svg"), m = measure(svg);
    if (!m) { return; }
    // fitted: never a pixel over the panel; zoomed: never a pixel under the readable size
    var sc = scales(m), width = (sc.now > sc.fit ? Math.ceil : Math.floor)(m.w * sc.now);
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(Math.floor(width * m.h / m.w)));
    zoomOut.disabled = sc.now <= sc.fit * 1.001;
    zoomIn.disabled = sc.now >= sc.most * 0.999;
  }

  // + (dir 1), − (-1), fit (0)
  function rezoom(dir) {
    var m = measure(panel.querySelector("svg"));
    if (!m) { return; }
    var sc = scales(m), to = sc.fit;
    if (dir > 0) {
      to = sc.now < sc.readable * 0.99 ? sc.readable : sc.now * STEP;
    } else if (dir < 0 && sc.now > sc.readable * 1.01) {
      to = Math.max(sc.readable, sc.now / STEP);
    }
    to = Math.min(to, sc.most);
    level = to <= sc.fit * 1.001 ? null : to;
    fit();
    if (zoomed) { zoomed(); }
  }

  zoomIn.addEventListener("click", function () { rezoom(1); });
  zoomOut.addEventListener("click", function () { rezoom(-1); });
  document.getElementById("zoom-fit").addEventListener("click", function () { rezoom(0); });
  return {fit: fit, rezoom: rezoom};
}
