/** The shell: sign-in until a token is held, then the header and the page of the hash route. */
import { useEffect, useRef, useState } from "preact/hooks";
import { currentToken, setToken, whenUnauthorized } from "./api.js";
import { useRoute } from "./hooks.js";
import { INVALID_TOKEN } from "./messages.js";
import { HealthPage } from "./page-health.js";
import { KeyPage } from "./page-key.js";
import { KeysPage } from "./page-keys.js";
import { LogPage } from "./page-log.js";
import { LogsPage } from "./page-logs.js";
import { Overview } from "./page-overview.js";
import { SignIn } from "./page-signin.js";
import { type Route, routeHref, routeTitle, type Section, sectionOf } from "./route.js";

const NAV: { section: Section; label: string; href: string }[] = [
  { section: "overview", label: "Overview", href: "#/" },
  { section: "keys", label: "Keys", href: "#/keys" },
  { section: "logs", label: "Logs", href: "#/logs" },
  { section: "health", label: "Health", href: "#/health" },
];

export function App() {
  const [token, setTok] = useState(currentToken());
  const [message, setMessage] = useState<string | null>(null);
  const route = useRoute();
  const href = routeHref(route);

  const signOut = (why: string | null) => {
    setToken(null);
    setTok(null);
    setMessage(why);
  };
  useEffect(() => whenUnauthorized(() => signOut(INVALID_TOKEN)), []);

  useEffect(() => {
    document.title = token ? routeTitle(route) : "Sign in · Strait admin";
  }, [route, token]);

  // After a move to another page (not the first one shown), the focus goes to its heading.
  const shown = useRef<string | null>(null);
  useEffect(() => {
    if (!token) return;
    if (shown.current !== null && shown.current !== href) document.querySelector<HTMLElement>("main h1")?.focus();
    shown.current = href;
  }, [href, token]);

  if (!token)
    return (
      <SignIn
        message={message}
        onSignedIn={(t) => {
          setToken(t);
          setTok(t);
          setMessage(null);
        }}
      />
    );

  const section = sectionOf(route);
  return (
    <>
      <header class="top">
        <p class="brand">Strait</p>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.section}>
                <a href={n.href} aria-current={n.section === section ? "page" : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="secondary sign-out" onClick={() => signOut(null)}>
          Sign out
        </button>
      </header>
      <main id="main" key={href}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "overview":
      return <Overview />;
    case "keys":
      return <KeysPage />;
    case "key":
      return <KeyPage id={route.id} />;
    case "logs":
      return <LogsPage />;
    case "log":
      return <LogPage id={route.id} />;
    case "health":
      return <HealthPage />;
    case "not-found":
      return (
        <>
          <h1 tabIndex={-1}>Not found</h1>
          <p>
            There is no page at "{route.path}". <a href="#/">Go to the overview</a>.
          </p>
        </>
      );
  }
}
