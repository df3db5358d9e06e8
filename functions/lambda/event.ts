/**
 * Lambda HTTP events → Web Requests. Three shapes reach the gateway:
 *   - payload 2.0: Function URLs and API Gateway HTTP APIs (rawPath, rawQueryString, cookies[])
 *   - payload 1.0: API Gateway REST / HTTP APIs on 1.0 (httpMethod, path, multiValue*)
 *   - ALB target groups (like 1.0, but query values arrive URL-encoded, as the client sent them)
 */

export interface HttpEventV2 {
  version: "2.0";
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string; sourceIp?: string }; domainName?: string; requestId?: string };
}

export interface HttpEventV1 {
  version?: "1.0";
  httpMethod: string;
  path: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { elb?: { targetGroupArn: string }; requestId?: string; domainName?: string };
}

export type HttpEvent = HttpEventV2 | HttpEventV1;

export const isV2 = (e: HttpEvent): e is HttpEventV2 => (e as HttpEventV2).version === "2.0" && typeof (e as HttpEventV2).rawPath === "string";
export const isAlb = (e: HttpEvent): boolean => !isV2(e) && !!(e as HttpEventV1).requestContext?.elb;

/**
 * The Request the core sees. Its origin is a fixed placeholder: the gateway builds no URL from it,
 * and a client-sent Host header must never become a hostname anywhere.
 */
export function toRequest(event: HttpEvent, signal?: AbortSignal): Request {
  const headers = new Headers();
  let method: string;
  let path: string;
  let query: string;

  if (isV2(event)) {
    method = event.requestContext.http.method;
    path = event.rawPath || "/";
    query = event.rawQueryString ?? "";
    for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers.set(k, v);
    // Payload 2.0 moves Cookie headers into cookies[]; put them back as one header.
    if (event.cookies?.length) headers.set("cookie", event.cookies.join("; "));
  } else {
    method = event.httpMethod;
    path = event.path || "/";
    query = v1Query(event, isAlb(event));
    if (event.multiValueHeaders) {
      for (const [k, vs] of Object.entries(event.multiValueHeaders)) for (const v of vs ?? []) headers.append(k, v);
    } else {
      for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers.set(k, v);
    }
  }

  const url = `https://lambda.invalid${path.startsWith("/") ? path : `/${path}`}${query ? `?${query}` : ""}`;
  const hasBody = method !== "GET" && method !== "HEAD" && event.body != null && event.body !== "";
  const body = hasBody ? (event.isBase64Encoded ? Buffer.from(event.body!, "base64") : event.body!) : undefined;
  return new Request(url, { method, headers, body, signal });
}

function v1Query(event: HttpEventV1, alreadyEncoded: boolean): string {
  const enc = (s: string) => (alreadyEncoded ? s : encodeURIComponent(s));
  const parts: string[] = [];
  if (event.multiValueQueryStringParameters) {
    for (const [k, vs] of Object.entries(event.multiValueQueryStringParameters)) for (const v of vs ?? []) parts.push(`${enc(k)}=${enc(v)}`);
  } else {
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) parts.push(`${enc(k)}=${enc(v)}`);
  }
  return parts.join("&");
}
