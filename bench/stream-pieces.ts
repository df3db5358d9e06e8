/**
 * `npx tsx bench/stream-pieces.ts`: what the gateway's stream path costs per upstream read, in
 * process, no network: an OpenAI-compatible upstream's SSE through `clientStream` to an OpenAI
 * client, each piece then encoded as the socket would (text) or passed as it is (bytes). Two
 * shapes of read: one delta at a time (a slow stream, as `npm run bench:streams` sends them) and
 * the whole recorded answer in one read (as the fast streamed bench's upstream arrives). The
 * relay (core/formats/openai-sse-relay.ts) against the SSE decoder and translator, which a writer
 * of its own selects; alternating rounds, the first two left out as warm-up.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Cancel } from "../core/cancel.js";
import { clientStream, openAIWriter } from "../core/lifecycle/chat-stream.js";
import { openAIStreamTranslator } from "../core/formats/openai-stream.js";
import type { UpstreamResponse } from "../core/http.js";
import type { Answer } from "../core/upstream/attempt-loop.js";
import { UpstreamBody } from "../core/upstream/body.js";

const READS = Number(process.env.BENCH_PIECES_READS ?? 200_000);
const ROUNDS = 6;
const events = readFileSync(join(import.meta.dirname, "../test/fixtures/openai/chat-stream.sse"), "utf8")
  .split(/(?<=\n\n)/)
  .filter((e) => e.trim());
const first = Buffer.from(events[0]!);

/** An answer whose body is `first`, then `piece` again and again (READS reads in all). */
function answerOf(piece: Uint8Array): Answer {
  const timer = { cancel: new Cancel(), settle() {}, release() {}, abort() {} };
  let n = 0;
  const it = { next: () => Promise.resolve(n++ < READS ? { value: n === 1 ? first : piece, done: false } : { value: undefined, done: true }) };
  const res = { chunks: () => ({ [Symbol.asyncIterator]: () => it }) } as unknown as UpstreamResponse;
  return { ctx: { clientWantsUsage: false }, res, timer, state: undefined, body: new UpstreamBody(res, timer as never, 60_000, "bench") } as unknown as Answer;
}

async function nsPerRead(piece: Uint8Array, relay: boolean): Promise<number> {
  const source = clientStream(answerOf(piece), { framing: "sse", translator: openAIStreamTranslator }, (t) => t, () => {}, relay ? undefined : openAIWriter());
  const start = process.cpuUsage();
  let bytes = 0;
  for (let p = await source.read(); p !== undefined; p = await source.read()) bytes += typeof p === "string" ? Buffer.from(p).length : p.length;
  const used = process.cpuUsage(start);
  if (bytes < READS) throw new Error("the stream sent less than it read");
  return ((used.user + used.system) * 1000) / READS;
}

const shapes = {
  "one delta a read": Buffer.from(events[3]!),
  // The usage chunk and [DONE] left out: repeated, a [DONE] would end the stream's translation.
  "a whole answer a read (8 events)": Buffer.from(events.filter((e) => !e.includes("[DONE]")).join("")),
};
console.log(`| upstream read (${READS} reads, ${ROUNDS - 2} rounds) | SSE decoder and translator | relay | saved |`);
console.log("| --- | ---: | ---: | ---: |");
for (const [name, piece] of Object.entries(shapes)) {
  const sums = { decoder: 0, relay: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const relay of round % 2 ? [true, false] : [false, true]) {
      const ns = await nsPerRead(piece, relay);
      if (round >= 2) sums[relay ? "relay" : "decoder"] += ns / (ROUNDS - 2);
    }
  }
  console.log(`| ${name} | ${(sums.decoder / 1000).toFixed(2)} µs | ${(sums.relay / 1000).toFixed(2)} µs | ${(100 * (1 - sums.relay / sums.decoder)).toFixed(0)} % |`);
}
