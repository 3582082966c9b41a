// The sign-in form: posts back to the page that was asked for (`next`), and says so when the
// last token was wrong. Nothing else: the server sets the cookie.
const params = new URLSearchParams(location.search);
const next = params.get('next');
if (next !== null) document.getElementById('sign-in').setAttribute('action', `/status/sign-in?next=${encodeURIComponent(next)}`);
document.getElementById('failed').hidden = params.get('failed') !== '1';
