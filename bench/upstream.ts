/** The benchmark's upstream: OpenAI's recorded answers, served as fast as Node can. */
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const fixtures = join(import.meta.dirname, "../test/fixtures/openai");
const chat = readFileSync(join(fixtures, "chat.json"), "utf8");
const events = readFileSync(join(fixtures, "chat-stream.sse"), "utf8").split(/(?<=\n\n)/).filter((e) => e.trim());

const server = createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (!body.includes('"stream":true')) {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(chat) });
      return res.end(chat);
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    for (const e of events) res.write(e);
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof addr === "object" && addr ? addr.port : 0 })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
