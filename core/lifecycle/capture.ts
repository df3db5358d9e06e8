import { loadEventStreamCodec } from "../formats/eventstream.js";
import { capBody } from "../logs/body.js";
import { createAssembler, type StreamFormat } from "../logs/stream-assembler.js";
import type { Call } from "./call.js";

export interface CapturedBodies {
  request?: string;
  response?: string;
  truncated?: boolean;
}

/**
 * The bodies of one call for the request log, when logging bodies is on: the request's text, and
 * the answer as it passes (a JSON answer whole; a stream assembled into its text and tool calls,
 * never held back). Settles exactly once — when the answer ended, failed or was cancelled, or
 * with no answer when the call failed first — so the log never waits on it forever.
 */
export class BodyCapture {
  readonly bodies: Promise<CapturedBodies>;
  private resolve!: (b: CapturedBodies) => void;
  private request?: string;
  private requestCut = false;

  constructor(private readonly maxBytes: number) {
    this.bodies = new Promise((r) => (this.resolve = r));
  }

  setRequest(text: string) {
    const { body, truncated } = capBody(text, this.maxBytes);
    this.request = body;
    this.requestCut = truncated;
  }

  /** The call ended without an answer worth keeping. */
  settle(response?: string, truncated = false) {
    this.resolve({ request: this.request, response, truncated: truncated || this.requestCut });
  }

  /** The response, its body captured on its way to the client. */
  async answer(res: Response, call: Call): Promise<Response> {
    if (!res.body) {
      this.settle();
      return res;
    }
    const type = res.headers.get("content-type") ?? "";
    if (!call.record.stream && !/event-stream|eventstream|ndjson/.test(type)) {
      const bytes = new Uint8Array(await res.arrayBuffer());
      const { body, truncated } = capBody(new TextDecoder().decode(bytes), this.maxBytes);
      this.settle(body, truncated);
      return new Response(bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    const format = streamFormat(call.record.endpoint, call.record.provider, type);
    if (format === "bedrock") await loadEventStreamCodec();
    const assembler = createAssembler(format, this.maxBytes);
    const reader = res.body.getReader();
    const end = () => {
      try {
        const { body, truncated } = assembler.result();
        this.settle(body, truncated);
      } catch {
        this.settle();
      }
    };
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          let read: ReadableStreamReadResult<Uint8Array>;
          try {
            read = await reader.read();
          } catch (e) {
            end();
            controller.error(e);
            return;
          }
          if (read.done) {
            end();
            controller.close();
            return;
          }
          try {
            assembler.push(read.value);
          } catch {
            // the log's copy is best effort; the answer goes on
          }
          controller.enqueue(read.value);
        },
        cancel(reason) {
          end();
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
}

/** The wire format a client receives from this route and provider. */
function streamFormat(endpoint: string, provider: string | undefined, contentType: string): StreamFormat {
  if (contentType.includes("eventstream")) return "bedrock";
  switch (endpoint) {
    case "chat":
      return "openai-chat";
    case "completions":
      return "openai-completions";
    case "messages":
      return "anthropic";
    case "responses":
      return "responses";
  }
  if (provider === "anthropic") return "anthropic";
  if (provider === "google-ai-studio") return "gemini";
  return contentType.includes("event-stream") ? "openai-chat" : "raw";
}
