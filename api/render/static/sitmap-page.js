/* sitmap-page.js: the /maps side panel (iframe snippet to copy, downloads that follow the day shown).
 * Served as a file so the page's Content-Security-Policy needs no inline script.
 */
(function () {
  'use strict';
  var ta = document.getElementById('sm-snippet'), btn = document.getElementById('sm-copy'), out = document.getElementById('sm-copied');
  if (!ta || !btn) return;
  function pinned() {
    var u = new URL(ta.getAttribute('data-embed-url'), window.location.href);
    var page = new URL(window.location.href);
    page.searchParams.forEach(function (v, k) { u.searchParams.delete(k); });  // repeated keys (order_type) kept whole
    page.searchParams.forEach(function (v, k) { if (k !== 'as_of') u.searchParams.append(k, v); });
    if (!page.searchParams.get('datetime')) u.searchParams.delete('datetime');
    if (!page.searchParams.get('as_of')) u.searchParams.set('as_of', new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    else u.searchParams.set('as_of', page.searchParams.get('as_of'));
    u.hash = page.hash;
    var f = document.createElement('iframe');
    f.setAttribute('src', u.toString()); f.setAttribute('width', '100%'); f.setAttribute('height', '520');
    f.setAttribute('style', 'border:0;max-width:100%'); f.setAttribute('loading', 'lazy');
    f.setAttribute('title', document.title); f.setAttribute('allowfullscreen', '');
    return f.outerHTML;
  }
  // Downloads follow the day shown, so "download this view" means what is on screen.
  document.addEventListener('sitmap:view', function (e) {
    var links = document.querySelectorAll('a[data-sm-download]');
    for (var i = 0; i < links.length; i++) {
      var u = new URL(links[i].getAttribute('href'), window.location.href);
      if (e.detail.datetime) u.searchParams.set('datetime', e.detail.datetime); else u.searchParams.delete('datetime');
      links[i].setAttribute('href', u.pathname + u.search);
    }
  });
  btn.addEventListener('click', function () {
    ta.value = pinned();
    ta.select();
    var done = function () { out.textContent = ' ' + (btn.getAttribute('data-copied') || 'copied'); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(ta.value).then(done, function () { document.execCommand('copy'); done(); });
    else { document.execCommand('copy'); done(); }
  });
})();
