/** Sign-in: the admin token, checked with GET /admin/health before it is kept (in sessionStorage). */
import { useState } from "preact/hooks";
import { api } from "./api.js";
import { signInMessage } from "./messages.js";

export function SignIn({ message, onSignedIn }: { message: string | null; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(message);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const t = token.trim();
    if (t === "") {
      setError("Enter the admin token (STRAIT_ADMIN_TOKEN).");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api("/admin/health", { token: t });
      onSignedIn(t);
    } catch (err) {
      setError(signInMessage(err));
      setBusy(false);
    }
  };

  return (
    <div class="signin">
      <header class="top">
        <p class="brand">Strait</p>
      </header>
      <main id="main" class="signin-main">
        <h1>Strait admin</h1>
        <p class="muted">The gateway's admin token (STRAIT_ADMIN_TOKEN). It is kept in this tab only and sent to this gateway alone.</p>
        <form onSubmit={submit} class="signin-form">
          <label for="admin-token">Admin token</label>
          <input id="admin-token" type="password" autocomplete="current-password" spellcheck={false} value={token} onInput={(e) => setToken(e.currentTarget.value)} />
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          {error && (
            <p role="alert" class="alert">
              {error}
            </p>
          )}
        </form>
      </main>
    </div>
  );
}
