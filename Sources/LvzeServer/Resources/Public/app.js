// Confirmation for destructive forms: <form data-confirm="…">. No inline script is allowed
// by the Content-Security-Policy, so behaviour is attached here.
document.addEventListener('submit', function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute('data-confirm');
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Live preview of a report template: <form data-live-preview="URL"> with a textarea
// "body"; the preview pane #preview is refreshed a moment after typing stops. Without
// JavaScript the 预览 button does the same through a normal POST.
(function () {
  var form = document.querySelector('form[data-live-preview]');
  var pane = document.getElementById('preview');
  if (!form || !pane || !window.fetch) { return; }
  var timer = null, seq = 0;
  form.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var mine = ++seq;
      var data = new URLSearchParams();
      data.append('_csrf', form.querySelector('input[name="_csrf"]').value);
      data.append('body', form.querySelector('textarea[name="body"]').value);
      fetch(form.getAttribute('data-live-preview'), { method: 'POST', body: data, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { if (mine === seq) { pane.innerHTML = html; } })
        .catch(function () {});
    }, 600);
  });
})();

// Type-ahead for unit fields: <input data-unit-search> gets a <datalist> filled from the
// server's search (/units/search?q=) a moment after typing; codes are the values, names
// the labels. Without JavaScript the field still takes a code or an exact name.
(function () {
  if (!window.fetch) { return; }
  var inputs = document.querySelectorAll('input[data-unit-search]');
  Array.prototype.forEach.call(inputs, function (input, n) {
    var list = document.createElement('datalist');
    list.id = 'unit-search-' + n;
    input.parentNode.appendChild(list);
    input.setAttribute('list', list.id);
    input.setAttribute('autocomplete', 'off');
    var timer = null, seq = 0;
    input.addEventListener('input', function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch('/units/search?q=' + encodeURIComponent(q), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (units) {
            if (mine !== seq) { return; }
            while (list.firstChild) { list.removeChild(list.firstChild); }
            units.forEach(function (u) {
              var option = document.createElement('option');
              option.value = u.code;
              option.label = u.label;
              option.textContent = u.label;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 200);
    });
  });
})();
