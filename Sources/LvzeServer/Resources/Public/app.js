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
