/** A hash router: `#/gaps/alpha` → { page: "gap", id: "alpha" }. Works from any static host. */
import { useEffect, useState } from "react";

/** The app's routes. */
export type Route =
  | { page: "gaps" }
  | { page: "gap"; id: string }
  | { page: "rounds" }
  | { page: "campaigns" }
  | { page: "campaign"; id: string }
  | { page: "admin" }
  | { page: "missing"; path: string };

/** Parses a location hash. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (first === undefined) return { page: "gaps" };
  if (first === "gaps" && second !== undefined) return { page: "gap", id: second };
  if (first === "gaps") return { page: "gaps" };
  if (first === "rounds") return { page: "rounds" };
  if (first === "campaigns" && second !== undefined) return { page: "campaign", id: second };
  if (first === "campaigns") return { page: "campaigns" };
  if (first === "admin") return { page: "admin" };
  return { page: "missing", path: parts.join("/") };
}

/** The link to a route. */
export function href(route: Exclude<Route, { page: "missing" }>): string {
  switch (route.page) {
    case "gaps":
      return "#/";
    case "gap":
      return `#/gaps/${encodeURIComponent(route.id)}`;
    case "campaign":
      return `#/campaigns/${encodeURIComponent(route.id)}`;
    default:
      return `#/${route.page}`;
  }
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
