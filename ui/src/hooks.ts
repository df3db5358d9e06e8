/** Small hooks the pages share. */
import { useEffect, useRef, useState } from "preact/hooks";
import { parseRoute, type Route } from "./route.js";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Load again (the data shown so far stays until the answer comes). */
  reload: () => void;
  /** Replace the data (after a change the page made itself). */
  set: (data: T) => void;
}

/**
 * Runs `load` now and whenever `key` changes; an answer to an older load is dropped. The last data
 * stays shown while a new load runs.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(ctl.signal).then(
      (data) => ctl.signal.aborted || setState({ data, loading: false }),
      (error) => ctl.signal.aborted || setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => ctl.abort();
  }, [key, tick]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: () => setTick((t) => t + 1),
    set: (data: T) => setState({ data, loading: false }),
  };
}

/** The route of location.hash, following hashchange. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

const darkQuery = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;

/** "dark" or "light", following prefers-color-scheme. */
export function useColorScheme(): "dark" | "light" {
  const [dark, setDark] = useState(darkQuery?.matches ?? false);
  useEffect(() => {
    const query = darkQuery;
    if (!query) return;
    const on = () => setDark(query.matches);
    query.addEventListener("change", on);
    return () => query.removeEventListener("change", on);
  }, []);
  return dark ? "dark" : "light";
}
