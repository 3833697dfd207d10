// Confirmation for destructive forms: <form data-confirm="…">. No inline script is allowed
// by the Content-Security-Policy, so behaviour is attached here.
document.addEventListener('submit', function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute('data-confirm');
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
