// shequ — the one script of the web pages. Small and dependency-free; every
// page also works without it.
//  * Report forms: a click (or arrow keys) on the street map sets the
//    hidden lon/lat fields; only the chosen category's extra fields show.
//  * Logged-in pages: new orders for the user pop up as a banner with a
//    short beep (WebAudio, no sound file) from the live feed
//    /api/v1/events (server-sent events; EventSource reconnects by itself
//    and sends Last-Event-ID, so nothing is missed). The sound can be
//    muted; the choice is kept in localStorage. Every feed event is also
//    re-sent on `document` as a `shequ:<type>` CustomEvent for other scripts.
//  * A joint meeting's page: its decisions' table refetched when one of
//    their orders changes.
//  * The command centre: counters refetched as the feed reports changes,
//    markers for new orders on the map, a feed of lines, grid panels
//    loaded in place.
'use strict';

(function () {
  document.documentElement.classList.add('js');

  // ---- The map picker -------------------------------------------------
  function setupPicker(svg) {
    var form = svg.closest('form');
    if (!form) return;
    var lon = form.querySelector('input[name="lon"]');
    var lat = form.querySelector('input[name="lat"]');
    var status = form.querySelector('.pick-status');
    var d = svg.dataset;
    var k = +d.k, x0 = +d.x0, y0 = +d.y0, s = +d.s, pad = +d.pad, r = +d.dot || 5;
    var NS = 'http://www.w3.org/2000/svg';
    var layer = svg.querySelector('g.markers') || svg;
    var pin = null;

    function toLonLat(x, y) {
      return [((x - pad) / s + x0) / k, -((y - pad) / s + y0)];
    }
    function toXY(lo, la) {
      return [pad + (lo * k - x0) * s, pad + (-la - y0) * s];
    }
    function place(x, y) {
      var vb = svg.viewBox.baseVal;
      x = Math.min(Math.max(x, 0), vb.width);
      y = Math.min(Math.max(y, 0), vb.height);
      if (!pin) {
        pin = document.createElementNS(NS, 'circle');
        pin.setAttribute('class', 'pin');
        pin.setAttribute('r', String(r * 1.3));
        layer.appendChild(pin);
      }
      pin.setAttribute('cx', x.toFixed(1));
      pin.setAttribute('cy', y.toFixed(1));
      var ll = toLonLat(x, y);
      lon.value = ll[0].toFixed(6);
      lat.value = ll[1].toFixed(6);
      if (status) status.textContent = status.dataset.picked + ' (' + lat.value + ', ' + lon.value + ')';
    }

    svg.setAttribute('tabindex', '0');
    svg.addEventListener('click', function (ev) {
      var m = svg.getScreenCTM();
      if (!m) return;
      var p = svg.createSVGPoint();
      p.x = ev.clientX;
      p.y = ev.clientY;
      var q = p.matrixTransform(m.inverse());
      place(q.x, q.y);
    });
    svg.addEventListener('keydown', function (ev) {
      var step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[ev.key];
      if (!step && ev.key !== 'Enter' && ev.key !== ' ') return;
      ev.preventDefault();
      var vb = svg.viewBox.baseVal;
      var x = pin ? +pin.getAttribute('cx') : vb.width / 2;
      var y = pin ? +pin.getAttribute('cy') : vb.height / 2;
      if (step && pin) {
        x += step[0] * vb.width / 60;
        y += step[1] * vb.height / 60;
      }
      place(x, y);
    });
    // A point already chosen (the form shown again after an error).
    if (lon.value && lat.value) {
      var xy = toXY(+lon.value, +lat.value);
      place(xy[0], xy[1]);
    }
  }

  // ---- Category details ----------------------------------------------
  function setupCategory(select) {
    var form = select.closest('form');
    var sets = form ? form.querySelectorAll('fieldset.attrs[data-category]') : [];
    function sync() {
      for (var i = 0; i < sets.length; i++) {
        var on = sets[i].dataset.category === select.value;
        sets[i].hidden = !on;
        sets[i].disabled = !on;
      }
    }
    select.addEventListener('change', sync);
    sync();
  }

  // ---- Alert rule kinds ---------------------------------------------------
  // Only the fieldsets of the chosen kind are shown (and sent).
  function setupRuleKind(select) {
    var form = select.closest('form');
    var sets = form ? form.querySelectorAll('fieldset[data-kinds]') : [];
    function sync() {
      for (var i = 0; i < sets.length; i++) {
        var on = sets[i].dataset.kinds.split(' ').indexOf(select.value) >= 0;
        sets[i].hidden = !on;
        sets[i].disabled = !on;
      }
    }
    select.addEventListener('change', sync);
    sync();
  }

  // ---- Pop-ups ----------------------------------------------------------
  var MUTE_KEY = 'shequ-mute';
  var audio = null;

  function muted() {
    try { return localStorage.getItem(MUTE_KEY) === '1'; } catch (e) { return false; }
  }

  function beep() {
    if (muted()) return;
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      if (audio.state === 'suspended') audio.resume();
      var t = audio.currentTime;
      [880, 1320].forEach(function (f, i) {
        var o = audio.createOscillator();
        var g = audio.createGain();
        o.type = 'sine';
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, t + i * 0.18);
        g.gain.exponentialRampToValueAtTime(0.25, t + i * 0.18 + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.18 + 0.16);
        o.connect(g);
        g.connect(audio.destination);
        o.start(t + i * 0.18);
        o.stop(t + i * 0.18 + 0.17);
      });
    } catch (e) { /* no sound is fine */ }
  }

  function setupMute(button) {
    function show() {
      var m = muted();
      button.setAttribute('aria-pressed', m ? 'true' : 'false');
      button.textContent = m ? button.dataset.off : button.dataset.on;
    }
    button.hidden = false;
    button.addEventListener('click', function () {
      try { localStorage.setItem(MUTE_KEY, muted() ? '0' : '1'); } catch (e) { /* private mode */ }
      show();
      if (!muted()) beep();
    });
    show();
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function showPopup(box, data) {
    var b = el('div', 'popup');
    b.setAttribute('role', 'alert');
    var head = el('p', 'popup-head');
    var kinds = {};
    try { kinds = JSON.parse(box.dataset.kinds || '{}'); } catch (e) { /* default heading */ }
    head.appendChild(el('strong', '', kinds[data.kind] || box.dataset.new));
    if (data.category) head.appendChild(el('span', 'tag', data.category));
    b.appendChild(head);
    b.appendChild(el('p', 'popup-title', data.title || ('#' + data.order_id)));
    if (data.address) b.appendChild(el('p', 'popup-where', data.address));
    var row = el('p', 'popup-actions');
    // Only links on this site are followed.
    var url = typeof data.url === 'string' && data.url.charAt(0) === '/' && data.url.charAt(1) !== '/'
      ? data.url : '/orders/' + (+data.order_id || '');
    var a = el('a', 'button primary-link', box.dataset.open);
    a.href = url;
    row.appendChild(a);
    var x = el('button', '', box.dataset.dismiss);
    x.type = 'button';
    x.addEventListener('click', function () { b.remove(); });
    row.appendChild(x);
    b.appendChild(row);
    box.prepend(b);
    while (box.children.length > 4) box.lastElementChild.remove();
    beep();
  }

  function setupLive(box) {
    if (!window.EventSource) return;
    var seen = {};
    var lastId = '';
    var es = null;
    function connect() {
      var url = '/api/v1/events' + (lastId ? '?last_event_id=' + encodeURIComponent(lastId) : '');
      es = new EventSource(url);
      es.addEventListener('popup', function (ev) {
        // A reconnect replays from Last-Event-ID; show each pop-up once.
        if (ev.lastEventId) {
          lastId = ev.lastEventId;
          if (seen[ev.lastEventId]) return;
          seen[ev.lastEventId] = true;
        }
        var data;
        try { data = JSON.parse(ev.data); } catch (e) { return; }
        showPopup(box, data);
      });
      // Other scripts (the command centre's map and counters) listen on the
      // document instead of opening a second connection.
      ['popup', 'order_created', 'order_changed', 'alert', 'reload'].forEach(function (type) {
        es.addEventListener(type, function (ev) {
          var data;
          try { data = JSON.parse(ev.data); } catch (e) { return; }
          document.dispatchEvent(new CustomEvent('shequ:' + type, { detail: data }));
        });
      });
      // Fell behind the live buffer: reconnect from the last pop-up seen,
      // so the missed ones are replayed from the outbox.
      es.addEventListener('reload', function () {
        es.close();
        connect();
      });
    }
    connect();
    document.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape' && box.firstElementChild) box.firstElementChild.remove();
    });
  }


  // ---- The command centre ------------------------------------------------
  // Counters are refetched (debounced) whenever the feed says an order or
  // alert changed; new orders get a marker on the map and a line in the
  // feed; a click on a grid loads its panel without redrawing the map.
  function setupCommand(svg) {
    var NS = 'http://www.w3.org/2000/svg';
    var d = svg.dataset;
    var k = +d.k, x0 = +d.x0, y0 = +d.y0, s = +d.s, pad = +d.pad, r = +d.dot || 4;
    var layer = svg.querySelector('g.markers');
    var feed = document.getElementById('feed');
    var panel = document.getElementById('grid-panel');
    var states = {};
    try { states = JSON.parse(feed.dataset.states || '{}'); } catch (e) { /* codes shown */ }
    var timer = null;
    var fresh = false;

    // `done`: an order was resolved or rated, so this month's figures move too.
    function refresh(done) {
      if (done) fresh = true;
      if (timer) return;
      timer = setTimeout(function () {
        timer = null;
        var url = '/command/counters' + (fresh ? '?fresh=1' : '');
        fresh = false;
        fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
          .then(function (res) { return res.ok ? res.json() : null; })
          .then(function (b) {
            if (!b) return;
            var cells = document.querySelectorAll('[data-counter]');
            for (var i = 0; i < cells.length; i++) {
              var key = cells[i].dataset.counter;
              var v = b[key];
              var text = v === null || v === undefined ? '–'
                : (key === 'on_time' || key === 'satisfaction') ? v.toFixed(1) + '%' : String(v);
              if (cells[i].textContent !== text) {
                cells[i].textContent = text;
                cells[i].classList.remove('bumped');
                void cells[i].offsetWidth;
                cells[i].classList.add('bumped');
              }
            }
          })
          .catch(function () { /* the next event tries again */ });
      }, 250);
    }

    // The grid under a marker gains or loses an open order: its shade
    // follows, in the same steps as the server's (1, 2–3, 4–6, 7+).
    function shadeUnder(node, delta) {
      var box = node.getBoundingClientRect();
      var hits = document.elementsFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      for (var i = 0; i < hits.length; i++) {
        var g = hits[i];
        if (!g.classList || !g.classList.contains('grid')) continue;
        var n = Math.max(0, (+g.getAttribute('data-open') || 0) + delta);
        g.setAttribute('data-open', String(n));
        var heat = n <= 0 ? 0 : n === 1 ? 1 : n <= 3 ? 2 : n <= 6 ? 3 : 4;
        for (var h = 0; h <= 4; h++) g.classList.toggle('heat-' + h, h === heat);
        return;
      }
    }

    function marker(data) {
      if (!layer || typeof data.lon !== 'number' || typeof data.lat !== 'number') return;
      var id = +data.order_id;
      if (layer.querySelector('[data-order="' + id + '"]')) return;
      var a = document.createElementNS(NS, 'a');
      a.setAttribute('href', '/orders/' + id);
      a.setAttribute('data-order', String(id));
      var c = document.createElementNS(NS, 'circle');
      c.setAttribute('class', 'order state-pending fresh');
      c.setAttribute('cx', (pad + (data.lon * k - x0) * s).toFixed(1));
      c.setAttribute('cy', (pad + (-data.lat - y0) * s).toFixed(1));
      c.setAttribute('r', String(r * 1.4));
      var t = document.createElementNS(NS, 'title');
      t.textContent = '#' + id + ' ' + (data.title || '');
      c.appendChild(t);
      a.appendChild(c);
      layer.appendChild(a);
      shadeUnder(c, 1);
    }

    function restate(data) {
      if (!layer) return;
      var a = layer.querySelector('[data-order="' + (+data.order_id) + '"]');
      if (!a) return;
      if (['resolved', 'closed', 'cancelled'].indexOf(data.state) >= 0) {
        shadeUnder(a.querySelector('circle') || a, -1);
        a.remove();
        return;
      }
      var c = a.querySelector('circle');
      if (c) c.setAttribute('class', 'order state-' + data.state + (data.supervised ? ' supervised' : ''));
    }

    function line(kind, data) {
      if (!feed) return;
      var empty = feed.querySelector('.feed-empty');
      if (empty) empty.remove();
      var li = el('li', 'fresh feed-' + kind);
      var now = new Date();
      li.appendChild(el('span', 'feed-time', ('0' + now.getHours()).slice(-2) + ':' + ('0' + now.getMinutes()).slice(-2)));
      li.appendChild(document.createTextNode(' '));
      var label = kind === 'alert' ? feed.dataset.alert : kind === 'order' ? feed.dataset.newOrder : feed.dataset.changed;
      li.appendChild(el('span', kind === 'alert' ? 'tag tag-overdue' : 'tag state state-' + (data.state || 'pending'),
        kind === 'changed' ? (states[data.state] || data.state || label) : label));
      li.appendChild(document.createTextNode(' '));
      if (data.order_id) {
        var a = el('a', '', '#' + (+data.order_id) + ' ' + (data.title || ''));
        a.href = '/orders/' + (+data.order_id);
        li.appendChild(a);
      } else if (data.title || data.rule_name) {
        li.appendChild(document.createTextNode(data.title || data.rule_name));
      }
      feed.prepend(li);
      while (feed.children.length > 60) feed.lastElementChild.remove();
    }

    document.addEventListener('shequ:order_created', function (ev) { marker(ev.detail); line('order', ev.detail); refresh(); });
    document.addEventListener('shequ:order_changed', function (ev) {
      restate(ev.detail);
      line('changed', ev.detail);
      refresh(ev.detail.state === 'resolved' || ev.detail.state === 'closed');
    });
    document.addEventListener('shequ:alert', function (ev) { line('alert', ev.detail); refresh(); });
    document.addEventListener('shequ:reload', function () { refresh(); });

    // A grid's panel in place; the address bar follows, so a reload or a
    // shared link shows the same grid.
    svg.addEventListener('click', function (ev) {
      var a = ev.target.closest ? ev.target.closest('a[data-grid]') : null;
      if (!a || !panel || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
      ev.preventDefault();
      var code = a.getAttribute('data-grid');
      fetch('/command/grid/' + encodeURIComponent(code), { credentials: 'same-origin' })
        .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
        .then(function (html) {
          panel.innerHTML = html;
          var old = svg.querySelectorAll('.grid.here');
          for (var i = 0; i < old.length; i++) old[i].classList.remove('here');
          var p = a.querySelector('path');
          if (p) p.classList.add('here');
          history.replaceState(null, '', '/command?grid=' + encodeURIComponent(code));
          var h = panel.querySelector('h2');
          if (h) { h.setAttribute('tabindex', '-1'); h.focus(); }
        })
        .catch(function () { window.location.href = '/command?grid=' + encodeURIComponent(code); });
    });
  }

  // ---- A joint meeting's decisions --------------------------------------
  // The table of a meeting's decisions is fetched again (debounced) when
  // the feed says one of its orders changed, so a resolved order shows as
  // done without a reload.
  function setupProgress(box) {
    var timer = null;
    document.addEventListener('shequ:order_changed', function (ev) {
      var ids = (box.dataset.orders || '').split(',');
      var id = ev.detail && String(ev.detail.order_id);
      if (ids.indexOf(id) < 0 || timer) return;
      timer = setTimeout(function () {
        timer = null;
        fetch(box.dataset.src, { credentials: 'same-origin' })
          .then(function (res) { return res.ok ? res.text() : null; })
          .then(function (html) {
            if (!html) return;
            var holder = document.createElement('div');
            holder.innerHTML = html;
            var next = holder.firstElementChild;
            if (next) { box.replaceWith(next); box = next; }
          })
          .catch(function () { /* the next change tries again */ });
      }, 300);
    });
  }

  function start() {
    var maps = document.querySelectorAll('svg.pick-map');
    for (var i = 0; i < maps.length; i++) setupPicker(maps[i]);
    var cat = document.getElementById('f-category');
    if (cat && cat.closest('form.report-form')) setupCategory(cat);
    var kind = document.getElementById('f-kind');
    if (kind && kind.closest('form.rule-form')) setupRuleKind(kind);
    var mute = document.querySelector('button.mute');
    if (mute) setupMute(mute);
    var cmd = document.querySelector('svg.command-map');
    if (cmd) setupCommand(cmd);
    var progress = document.querySelector('#progress[data-src]');
    if (progress) setupProgress(progress);
    var box = document.getElementById('popups');
    if (box && document.body.dataset.live === '1') setupLive(box);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
